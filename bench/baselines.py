"""Bare SpiffWorkflow baselines for every completion figure, and how A/B figures are sampled.

Two bare steps complete the same user task as our engine does, with nothing of ours around it:
- "library default" (`DefaultStep`): the library's default serializer, which writes the whole process
  definition into every state and reads it back on every step — what a naive embedder pays;
- "fair" (`FairStep`): the definition parsed once and kept in memory, as our engine keeps it; the state is
  written and read by the library's own converters without the spec.
Every A/B figure runs its sides interleaved (rotating order, so the machine's drift hits all alike), after a
warm-up, and reports medians with their spread.
"""
import random
import statistics
import time
from uuid import UUID

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine import scripting

WARMUP = 30  # rounds run and thrown away: imports, caches and the database's buffers settle first


def _parse(files, process_id):
    parser = SpiffBpmnParser()
    for name, text in files.items():
        if name.endswith(".bpmn"):
            parser.add_bpmn_str(text.encode("utf-8"), filename=name)
        elif name.endswith(".dmn"):
            parser.add_dmn_str(text.encode("utf-8"), filename=name)
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def _spec_in_memory(spec, subprocess_specs):
    """The library's workflow converter, minus the definition: it is neither written nor read back."""

    class Converter(BpmnWorkflowConverter):
        def to_dict(self, workflow):
            dct = WorkflowConverter.to_dict(self, workflow)
            dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
            dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
            return dct

        def from_dict(self, dct):
            workflow = self.target_class(spec, subprocess_specs, deserializing=True)
            workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
            workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
            self.set_default_attributes(workflow, dct)
            self.subprocesses_from_dict(dct["subprocesses"], workflow)
            workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
            return workflow

    return Converter


class DefaultStep:
    """Bare SpiffWorkflow with its default serializer: deserialize, complete the task, run engine steps, serialize.

    It gets the same helper functions as our scripts (without the sandbox's checks), so both run the
    same script work. Calling it runs one step from the same stored state and returns its time.
    """

    label = "库默认"

    def __init__(self, files, process_id, start_data, data):
        spec, subprocess_specs = _parse(files, process_id)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(self.config(spec, subprocess_specs)))
        self.engine = PythonScriptEngine(environment=TaskDataEnvironment(scripting.helper_globals()))
        wf = BpmnWorkflow(spec, subprocess_specs, script_engine=self.engine)
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(start_data)
        with scripting.collect_outbox():
            wf.do_engine_steps()
        self.state = self.serializer.serialize_json(wf)
        self.data = data

    def config(self, spec, subprocess_specs):
        return SPIFF_CONFIG

    def __call__(self):
        with scripting.collect_outbox():
            t0 = time.perf_counter()
            wf = self.serializer.deserialize_json(self.state)
            wf.script_engine = self.engine
            task = wf.get_next_task(state=TaskState.READY, manual=True)
            task.set_data(**self.data)
            task.run()
            wf.do_engine_steps()
            self.serializer.serialize_json(wf)
            return time.perf_counter() - t0


class FairStep(DefaultStep):
    """The same step with the definition kept in memory and a state without spec."""

    label = "公平"

    def config(self, spec, subprocess_specs):
        return {**SPIFF_CONFIG, BpmnWorkflow: _spec_in_memory(spec, subprocess_specs)}


def bare_steps(files, process_id, start_data, data):
    return {"default": DefaultStep(files, process_id, start_data, data),
            "fair": FairStep(files, process_id, start_data, data)}


def interleaved(sides, n, warmup=WARMUP):
    """{name: [seconds]}: n timed rounds of every side after `warmup` untimed ones, the order rotating each round.

    A side is a callable returning its own elapsed seconds (so set-up outside the timed part is not counted).
    """
    names = list(sides)
    samples = {name: [] for name in names}
    for i in range(warmup + n):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed = sides[name]()
            if i >= warmup:
                samples[name].append(elapsed)
    return samples


def quartiles(samples):
    q = statistics.quantiles(samples, n=4)
    return q[0], statistics.median(samples), q[2]


def ratio_interval(ours, base, rounds=1000):
    """95 % bootstrap interval of p50(ours)/p50(base), resampling the interleaved rounds as pairs."""
    rng = random.Random(1)
    pairs = list(zip(ours, base))
    ratios = []
    for _ in range(rounds):
        draw = [pairs[rng.randrange(len(pairs))] for _ in pairs]
        ratios.append(statistics.median(a for a, _ in draw) / statistics.median(b for _, b in draw))
    ratios.sort()
    return ratios[int(0.025 * rounds)], ratios[int(0.975 * rounds) - 1]


def spread_ms(samples):
    lo, mid, hi = quartiles(samples)
    return f"{mid * 1000:.2f} ms（四分位 {lo * 1000:.2f}–{hi * 1000:.2f}）"


def compare(ours, base):
    """Ratio of medians, its 95 % interval and the two sides' quartiles, for a result row."""
    ratio = statistics.median(ours) / statistics.median(base)
    low, high = ratio_interval(ours, base)
    return {"ratio_p50": ratio, "ratio_low": low, "ratio_high": high, "ours_quartiles": quartiles(ours),
            "base_quartiles": quartiles(base), "n": len(ours)}


def compare_unpaired(ours, base, rounds=1000):
    """`compare` for sides that cannot run in pairs (two table sizes): each side resampled on its own."""
    rng = random.Random(1)
    ratios = sorted(statistics.median(rng.choices(ours, k=len(ours))) / statistics.median(rng.choices(base, k=len(base)))
                    for _ in range(rounds))
    return {"ratio_p50": statistics.median(ours) / statistics.median(base), "ratio_low": ratios[int(0.025 * rounds)],
            "ratio_high": ratios[int(0.975 * rounds) - 1], "ours_quartiles": quartiles(ours),
            "base_quartiles": quartiles(base), "n": len(ours)}


def in_blocks(sizes, rounds, fill, measure, warmup=20):
    """{size: [seconds]} for A/B figures over table sizes, which cannot share one table: the sizes take turns
    in `rounds` blocks (A B A B ...), each block filled afresh by `fill(size)`, warmed up, then measured
    by `measure(size)` (a list of seconds)."""
    samples = {size: [] for size in sizes}
    for _ in range(rounds):
        for size in sizes:
            fill(size)
            measure(size, warmup)
            samples[size].extend(measure(size, None))
    return samples
