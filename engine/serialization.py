"""Instance state as JSON without the spec: the spec is stored once per version (DESIGN decision 1)."""
import json
from contextvars import ContextVar
from decimal import Decimal
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

_specs = ContextVar("specs")  # (spec, subprocess_specs) the state being read belongs to


class StateConverter(BpmnWorkflowConverter):
    """Writes a workflow without its specs and reads it back against specs held in memory."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = _specs.get()
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], workflow=workflow, key_class=UUID)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _registry():
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = StateConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]))
    return registry


serializer = BpmnWorkflowSerializer(_registry())


def dump_state(workflow):
    """The instance's own state as compact JSON text."""
    serializer.registry._encoder_mode = True
    try:
        dct = serializer.to_dict(workflow)
    finally:
        serializer.registry._encoder_mode = False
    dct[serializer.VERSION_KEY] = serializer.VERSION
    return json.dumps(dct, cls=serializer._encoder_cls, ensure_ascii=False, separators=(",", ":"))


def load_state(text, spec, subprocess_specs):
    dct = json.loads(text)
    serializer.migrate(dct)
    token = _specs.set((spec, subprocess_specs))
    try:
        return serializer.from_dict(dct)
    finally:
        _specs.reset(token)


def new_workflow(spec, subprocess_specs, script_engine):
    return BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
