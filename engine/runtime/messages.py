"""Starting instances and routing the messages they throw to the project's other instances.

City-level processes (process id `city_…`: the yearly 申报轮次, 年度建设计划, unit selection) run without a
project, owned by 市数管局. A project's message reaches the city instance of its `build_year` (the payload's
`build_year`), starting one when none of that process runs for the year; a city instance's message reaches the
projects its payload lists in `project_ids`, else every project of the payload's `build_year` waiting for it
except those in `excluded_project_ids`.
"""
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition as SpiffMessage
from SpiffWorkflow.util.task import TaskState

from .. import registry, scripting
from ..audit import record
from ..db import db
from ..errors import Conflict, EngineError
from ..models import Instance
from ..serialization import new_workflow
from . import outbox
from .locks import lock_project
from .state import SYSTEM, _advance, _load_row, _now, _save, _status_refusal, _Step, _workflow, unit_of_work

MAX_MESSAGE_HOPS = 20
CITY_PREFIX = "city_"
CITY_OWNER = "sgj"


def _step_instance(instance_id, actor, action, *, allowed=("running", "incident"), completed=None, project_id=None,
                   hops=0):
    row = _load_row(instance_id, lock=True, project_id=project_id)
    return _step_row(row, actor, action, allowed=allowed, completed=completed, hops=hops)


def _step_row(row, actor, action, *, allowed=("running", "incident"), completed=None, hops=0):
    """Load the workflow of a row already read (and locked), run `action` and engine steps, save."""
    if row.status not in allowed:
        raise Conflict(_status_refusal(row.status))
    wf = _workflow(row)
    step = _Step(row, actor)
    _advance(wf, step, before=action)
    events = _save(step, wf, completed=completed)
    _route(row, events, actor, hops)
    return row, wf


def start_instance(process_id, *, actor=SYSTEM, project_id=None, owner_group=None, data=None,
                   version=None, parent_id=None, start_event=None, hops=0):
    """Start `process_id` for a project; returns the saved Instance row."""
    version = version or registry.require_latest_version()
    spec, subs = registry.load_specs(version.id, process_id)
    wf = new_workflow(spec, subs, scripting.make_script_engine())
    for task in wf.get_tasks(state=TaskState.READY):
        task.data.update(data or {})
    now = _now()
    row = Instance(version_id=version.id, process_id=process_id, project_id=project_id, owner_group=owner_group,
                   parent_id=parent_id, status="running", state="{}", created_at=now, updated_at=now, variables={})
    step = _Step(row, actor)
    # Scripts run before the row is written: on SQLite no write lock is held while they run.
    _advance(wf, step, before=(lambda w: _receive(w, start_event)) if start_event is not None else None)
    db.session.add(row)
    db.session.flush()
    record("start", actor.username, row.id, project_id, payload={"process": process_id, "version": version.id})
    events = _save(step, wf)
    _route(row, events, actor, hops)
    return row


class NotCaught(EngineError):
    """No waiting event of the workflow catches the message (its correlation keys differ)."""


def _receive(wf, event, turned=None):
    """Hand an outside message to a workflow; a message start event must be reached first.

    Timers already due are refreshed first. When one of them wins instead of the message (a month whose
    turn came due while the scheduler lagged, waiting behind an event gateway for its turn or the stop),
    the step is kept when `turned` is given: the month turns now and opens the next one, which hears the
    message in its place (deliver_message asks every instance opened meanwhile; the outbox delivers what the
    turned step threw before the message goes on to its next receiver).
    """
    wf.do_engine_steps()
    if wf.event_manager.catch(event, internal=False) == 0:
        if turned is not None and wf.get_tasks(state=TaskState.READY, manual=False):
            turned.append(True)
            return
        raise NotCaught(f"流程未在等待与之关联的“{event.event_definition.name}”")


def _route(row, events, actor, hops=0):
    """The messages a step threw go to the outbox, delivered once this transaction commits (outbox.py)."""
    for event in events:
        outbox.post(row, event, actor, hops + 1)


def city_targets(name, payload):
    """The projects a city instance's message reaches: those its payload names, else those of its build year
    waiting for it, except the excluded ones."""
    payload = payload if isinstance(payload, dict) else {}
    targets = [p for p in payload.get("project_ids") or [] if _is_id(p)]
    if not targets and _is_id(payload.get("build_year")):
        excluded = {p for p in payload.get("excluded_project_ids") or [] if _is_id(p)}
        waiting = db.session.execute(
            db.select(Instance.project_id, Instance.waiting_messages, Instance.variables).where(
                Instance.project_id.is_not(None), Instance.status == "running")
        ).all()
        targets = sorted({r.project_id for r in waiting
                          if name in (r.waiting_messages or [])
                          and (r.variables or {}).get("build_year") == payload["build_year"]
                          and r.project_id not in excluded})
    return set(targets)


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _to_city(event_definition, payload, *, actor, version, source_id, hops):
    """Hand a project's message to the city instance of the payload's build year, or start that instance."""
    year = payload.get("build_year") if isinstance(payload, dict) else None
    if not _is_id(year):
        return []
    starters = [p for p in registry.processes_started_by(version.id, event_definition.name)
                if p.startswith(CITY_PREFIX)]
    if db.engine.dialect.name == "postgresql":  # one city instance per year even when projects race
        db.session.execute(db.text("SELECT pg_advisory_xact_lock(7301, :year)"), {"year": year})
    rows = db.session.execute(
        db.select(Instance.id, Instance.waiting_messages, Instance.variables, Instance.process_id).where(
            Instance.project_id.is_(None), Instance.status == "running", Instance.process_id.like(CITY_PREFIX + "%"))
    ).all()
    mine = [r for r in rows if (r.variables or {}).get("build_year") == year]
    delivered = []
    for instance_id, waiting, _variables, _process in mine:
        if event_definition.name in (waiting or []):
            event = BpmnEvent(event_definition, payload)
            try:
                _step_instance(instance_id, actor, lambda wf, e=event: _receive(wf, e), allowed=("running",))
            except NotCaught:
                continue
            delivered.append(instance_id)
    running = {r.process_id for r in mine}
    for process_id in starters:
        if process_id not in running:
            started = start_instance(process_id, actor=actor, project_id=None, owner_group=CITY_OWNER,
                                     version=version, parent_id=source_id, data={"build_year": year},
                                     start_event=BpmnEvent(event_definition, payload), hops=hops)
            delivered.append(started.id)
    return delivered


def deliver_message(project_id, event_definition, payload=None, *, actor=SYSTEM, version_id=None,
                    owner_group=None, source_id=None, hops=0, correlations=None, to_city=True):
    """Hand a message to every instance of the project waiting for it, and start those it starts.

    `correlations` (the thrower's correlation keys) go with it: a receiver that already holds keys
    catches only a message whose keys match (SpiffWorkflow's MessageEventDefinition.catches).
    A project's message also reaches the city instance of its build year (`to_city`).
    """
    if hops > MAX_MESSAGE_HOPS:
        raise Conflict("消息传递层数过多，疑似流程循环")
    name = event_definition.name
    delivered = []
    if project_id is not None:
        lock_project(project_id)  # the list of waiting instances must stay true until this transaction ends
        # A receiver may itself open a new instance that waits for this very message (a month whose turn
        # came due fires before it hears the stop, and opens the next month): it hears it too.
        asked = {source_id or 0}
        while True:
            candidates = db.session.execute(
                db.select(Instance.id, Instance.waiting_messages).where(
                    Instance.project_id == project_id, Instance.status == "running", Instance.id.not_in(asked))
            ).all()
            asked.update(instance_id for instance_id, _ in candidates)
            receivers = [instance_id for instance_id, waiting in candidates if name in (waiting or [])]
            for instance_id in receivers:
                event, turned = BpmnEvent(event_definition, payload, correlations), []
                try:
                    _step_instance(instance_id, actor, lambda wf, e=event, t=turned: _receive(wf, e, t),
                                   allowed=("running",), project_id=project_id)
                except NotCaught:  # waits for the same message from another counterpart: not this one's
                    continue
                if not turned:
                    delivered.append(instance_id)
            if not receivers:
                break
    version = db.session.get(registry.ModelVersion, version_id) if version_id else registry.require_latest_version()
    for process_id in registry.processes_started_by(version.id, name):
        if process_id.startswith(CITY_PREFIX):
            continue  # one per build year, below
        started = start_instance(process_id, actor=actor, project_id=project_id, owner_group=owner_group,
                                 version=version, parent_id=source_id,
                                 start_event=BpmnEvent(event_definition, payload, correlations), hops=hops)
        delivered.append(started.id)
    if to_city and project_id is not None:
        delivered += _to_city(event_definition, payload, actor=actor, version=version, source_id=source_id, hops=hops)
    record("message", actor.username, source_id, project_id, payload={"name": name, "to": delivered})
    return delivered


def send_message(project_id, name, payload, *, actor, owner_group=None):
    """A message from the application (e.g. a 资金拨付 request) to the project's processes."""
    with unit_of_work():
        delivered = deliver_message(project_id, SpiffMessage(name), payload, actor=actor, owner_group=owner_group)
        if not delivered:
            raise Conflict(f"当前没有流程在等待“{name}”")
    return delivered
