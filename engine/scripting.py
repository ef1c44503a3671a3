"""BPMN scripts and expressions as untrusted code (DESIGN decision 7, docs/modelling.md).

SpiffWorkflow's PythonScriptEngine hands task data to eval/exec and is no sandbox. Here every source
is checked on its syntax tree (sandbox/check.py; deploy validation calls the same function), then sent
to a worker process (sandbox/pool.py) that runs it with a small allowlist of builtins and the calendar
helpers as the only globals, under CPU-time, memory and wall-clock limits (sandbox/limits.py) that
also stop loops inside C code. The calling thread waits without the GIL, so the rest of the process
goes on serving. A script past a limit raises ScriptLimitExceeded, which the runtime turns into an
incident; so do all scripts of one engine step together once they pass the wall-clock limit
(collect_outbox marks a step), which also ends a diagram that loops through many small scripts.
"""
import ast
import contextlib
import contextvars
import time
import types

from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import clock, reminders, workcalendar
from .sandbox import bombs, fastpath, limits, wire
from .sandbox.check import (  # noqa: F401  (the names callers and tests know from here)
    ALLOWED_ATTRIBUTES, FORBIDDEN_CALLS, MAX_SOURCE_CHARS, SAFE_BUILTINS, ScriptRejected, _check, check_source,
    compiled,
)
from .sandbox.pool import pool
from .sandbox.worker import MAX_MESSAGE_CHARS, NOTIFY_KINDS

MAX_EXPONENT, MAX_REPEAT = bombs.MAX_EXPONENT, bombs.MAX_REPEAT
limit_listeners = []  # callables(kind) told of every limit hit (the web app counts them for /metrics)


class ScriptLimitExceeded(SpiffWorkflowException):
    """A script or expression went past a limit; the message names the element and the limit."""

    def __init__(self, hit, task=None, what="脚本"):
        spec = getattr(task, "task_spec", None)
        self.task, self.kind, self.limit = task, hit.kind, hit.text
        self.bpmn_id = getattr(spec, "bpmn_id", None)
        name = getattr(spec, "bpmn_name", None) or self.bpmn_id
        where = f"元素“{name}”（{self.bpmn_id}）的{what}" if self.bpmn_id else what
        super().__init__(f"{where}运行超出{hit.text}，已中止")

    def __str__(self):
        return "。".join([self.args[0], *self.notes])


# --- notifications and steps ---------------------------------------------------------------------

_outbox = contextvars.ContextVar("script_outbox", default=None)
_current_task = contextvars.ContextVar("script_current_task", default=None)
_step_deadline = contextvars.ContextVar("script_step_deadline", default=None)


@contextlib.contextmanager
def collect_outbox():
    """One engine step: collect what its scripts notify() (`with collect_outbox() as box: ...`) and give all
    its scripts together the wall-clock limit."""
    box = []
    token = _outbox.set(box)
    deadline = _step_deadline.set([time.monotonic() + limits.current.wall_seconds])  # a list: extended in place
    try:
        yield box
    finally:
        _step_deadline.reset(deadline)
        _outbox.reset(token)


def _post(items):
    box = _outbox.get()
    if box is None:  # losing a 督办 silently would be worse than failing the step
        raise RuntimeError("notify() called outside collect_outbox()")
    task = _current_task.get()
    for item in items:
        box.append({**item, "task_id": str(task.id) if task is not None else None,
                    "task_bpmn_id": getattr(task.task_spec, "bpmn_id", None) if task is not None else None,
                    "due_at": reminders.timer_moment(task) if item["kind"] == "reminder" and task is not None
                    else None})


def notify(to, kind, message):
    """Queue a notification for the runtime to store; `to` is a group code or "owner"."""
    if kind not in NOTIFY_KINDS:
        raise ScriptRejected(f"notify 的类型“{kind}”无效，应为 {' / '.join(NOTIFY_KINDS)}")
    if not isinstance(to, str) or not to.strip():
        raise ScriptRejected("notify 的接收方必须是组代码或 \"owner\"")
    if not isinstance(message, str) or not message.strip():
        raise ScriptRejected("notify 的消息不能为空")
    _post([{"to": to.strip(), "kind": kind, "message": message[:MAX_MESSAGE_CHARS]}])


def helper_globals():
    """The names a script sees besides SAFE_BUILTINS and its task data."""
    names = {name: getattr(workcalendar, name) for name in workcalendar.HELPERS}
    names["notify"] = notify
    return names


# --- running in a worker -------------------------------------------------------------------------

_SAFE_ERRORS = {exc.__name__: exc for exc in (
    NameError, KeyError, IndexError, TypeError, ValueError, ZeroDivisionError, ArithmeticError, OverflowError,
    AttributeError, LookupError, RecursionError, UnboundLocalError, AssertionError, StopIteration,
    UnicodeError, Exception)}


class ScriptError(Exception):
    """A script's own exception of a type the parent does not rebuild; its text starts with the type."""


def _error_of(report):
    kind, message = report.get("type"), report.get("message") or ""
    if kind == "ScriptRejected":
        return ScriptRejected(message, report.get("errors"))
    if kind in _SAFE_ERRORS:
        return _SAFE_ERRORS[kind](message)
    return ScriptError(f"{kind}: {message}")


def _raise_at_line(exc, line):
    """Raise `exc` from a frame of file '<string>' at `line`: SpiffWorkflow reads the failing line there."""
    if line <= 0:
        raise exc
    exec(compile("\n" * (line - 1) + "raise _exc", "<string>", "exec"), {"_exc": exc, "__builtins__": {}})


def _data_only(context):
    # A script could never use a function or module from task data: the worker runs with its own names.
    return {k: v for k, v in context.items() if k != "__builtins__" and _is_data(v)}


def _timeout():
    deadline = _step_deadline.get()
    wall = limits.current.wall_seconds
    return wall if deadline is None else min(wall, deadline[0] - time.monotonic())


def _started_worker(seconds):
    """Time spent waiting for a worker to start is not the step's scripts' time."""
    deadline = _step_deadline.get()
    if deadline is not None:
        deadline[0] += seconds


def _run_isolated(op, source, data, external, extra_globals):
    compiled(source, op)  # refuse here what the checker refuses, without a round trip
    settings = limits.current
    timeout = _timeout()
    try:
        if timeout <= 0:
            raise limits.LimitHit("wall", settings)
        request = {
            "op": op, "source": source, "context": wire.encode_value(_data_only(data)),
            "external": wire.encode_value(external or {}), "globals": wire.encode_value(extra_globals),
            "now": clock.now().isoformat(),
            "overrides": [[day.isoformat(), flag] for day, flag in workcalendar._overrides().items()],
        }
        answer = pool.run(request, timeout, settings, on_start=_started_worker)
    except limits.LimitHit as hit:
        for listener in limit_listeners:
            listener(hit.kind)
        raise ScriptLimitExceeded(hit, _current_task.get(), "表达式" if op == "eval" else "脚本") from None
    except wire.WireError as exc:
        raise TypeError(str(exc)) from None
    if answer.get("outbox"):
        _post(answer["outbox"])
    if "error" in answer:
        report = answer["error"]
        _raise_at_line(_error_of(report), report.get("line") or 0 if op == "exec" else 0)
    return answer


# --- SpiffWorkflow integration ---------------------------------------------------------------------

def _is_data(value):
    return not (callable(value) or isinstance(value, types.ModuleType) or hasattr(value, "__next__"))


class SandboxEnvironment(TaskDataEnvironment):
    """TaskDataEnvironment that checks every source and runs it in a bounded worker with SAFE_BUILTINS only.

    `environment_globals` may add data (not functions) every script sees.
    """

    def __init__(self, environment_globals=None):
        self.extra = dict(environment_globals or {})
        super().__init__({**helper_globals(), **self.extra})

    def evaluate(self, expression, context, external_context=None):
        if limits.current.isolated and not fastpath.is_cheap(expression):
            answer = _run_isolated("eval", expression, context, external_context, self.extra)
            return wire.decode_value(answer["value"])
        code = compiled(expression, "eval")
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        scope["__builtins__"] = SAFE_BUILTINS  # last: task data must not bring its own
        return eval(code, scope)

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        if limits.current.isolated:
            answer = _run_isolated("exec", script, context, external_context, self.extra)
            result = wire.decode_value(answer["context"])
            context.clear()
            context.update(result)
            return True
        code = compiled(script, "exec")
        context.update(self.globals)
        context.update(external_context or {})
        context["__builtins__"] = SAFE_BUILTINS
        try:
            exec(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True

    def _remove_globals_and_functions_from_context(self, context, external_context=None):
        # Task data is serialized as JSON: also drop modules, classes and iterators a script left.
        super()._remove_globals_and_functions_from_context(context, external_context)
        for key in [key for key, value in context.items() if not _is_data(value)]:
            del context[key]


class ScriptEngine(PythonScriptEngine):
    """The script engine every workflow of this system runs with (attach again after deserializing)."""

    def __init__(self, environment=None):
        super().__init__(environment or SandboxEnvironment())

    def validate(self, expression):
        ast.parse(expression)  # SyntaxError first: the DMN engine probes with it
        compiled(expression, "eval")

    # A limit hit passes through unwrapped: its message is already the one people should read.

    def evaluate(self, task, expression, external_context=None):
        token = _current_task.set(task)
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException as err:
            if not isinstance(err, ScriptLimitExceeded):
                err.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as err:
            raise WorkflowTaskException(f"Error evaluating expression '{expression}'", task=task,
                                        exception=err) from err
        finally:
            _current_task.reset(token)

    def execute(self, task, script, external_context=None):
        token = _current_task.set(task)
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except ScriptLimitExceeded:
            raise
        except Exception as err:
            raise self.create_task_exec_exception(task, script, err) from err
        finally:
            _current_task.reset(token)


def make_script_engine():
    return ScriptEngine()


_plain_environment = SandboxEnvironment()


def evaluate_expression(expression, context=None):
    """Evaluate an expression outside SpiffWorkflow (due dates, form rules) in the same sandbox."""
    return _plain_environment.evaluate(expression, dict(context or {}))
