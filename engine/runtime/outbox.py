"""Messages a step throws go out after its transaction commits, from a durable outbox row.

Stepping a receiver inside the sender's transaction would run the receiver's scripts after the sender's
writes, and on SQLite those hold the one write lock until the end: a receiver's runaway script (up to the
wall-clock limit) would keep every other writer of the city waiting. So a step only writes its messages
to `message_outbox` (same transaction: committed with the step or not at all), and right after the commit
the same request or scheduler delivers them, one receiver per transaction. Each such transaction reads,
runs the receiver's scripts, and only then writes the receiver's step together with the row's progress:
no script runs while this process holds the write lock, and a delivery cut short (a crash, a conflict)
goes on later where it stopped (the scheduler's sweep drains what is left), reaching no one twice.

A queue is one project's messages (0: those of instances without a project), delivered oldest first,
except that what a receiver throws goes out before the message it received reaches its next receiver (as
when deliveries were nested: a month that hears the stop but opens the next month first has that month
hear the stop too). On PostgreSQL the project's turn (runtime.locks) is held by each delivery transaction,
as by every step of the project, so a message thrown after another one is never delivered before it.
"""
import logging

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition as SpiffMessage

from .. import registry
from ..audit import record
from ..db import db
from ..errors import Conflict
from ..models import Incident, Instance, MessageOutbox
from ..serialization import serializer
from .locks import lock_project
from .state import Actor, _now

log = logging.getLogger(__name__)
CITY_QUEUE = 0
RETRIES = 5  # conflicts with other writers in a row before the rest is left to the scheduler's sweep


def post(row, event, actor, hops):
    """Write a message `row`'s step threw; delivered once the step's transaction has committed."""
    box = MessageOutbox(queue=row.project_id or CITY_QUEUE, parent_id=db.session.info.get("outbox_current"),
                        source_id=row.id, name=event.event_definition.name,
                        payload=_stored(event.payload), correlations=_stored(event.correlations or {}), hops=hops,
                        version_id=row.version_id, owner_group=row.owner_group, actor=actor.username,
                        actor_groups=sorted(actor.groups), to_city=True, asked=[], delivered=[], started=[],
                        created_at=_now())
    db.session.add(box)
    posted().add(box.queue)
    db.session.info.setdefault("outbox_mine", []).append(box)


class GaveWay(Conflict):
    """A timer step was given up for a message on its way to the same instance (overtaken)."""


def overtaken(queue, instance_id, waiting):
    """Whether a message the instance waits for (`waiting`: its waiting_messages before the step), written
    before this transaction, is still on its way to it in the queue (or the city's, not yet fanned out).

    A timer step checks this last, under its project's turn (PostgreSQL) or the write lock it holds by then
    (SQLite): a month must not turn while the stop reported before it is still on its way. Only messages
    the instance itself waits for count: another instance's message never holds up its timers. The step is
    given up (GaveWay) and the sweep fires it again once the queue has been delivered (timers.run_due).
    """
    if not waiting:
        return False
    db.session.flush()  # this transaction's own messages get their ids
    mine = [box.id for box in db.session.info.get("outbox_mine", []) if box.id is not None]
    query = db.select(MessageOutbox.asked, MessageOutbox.source_id).where(
        MessageOutbox.queue.in_(sorted({queue, CITY_QUEUE})), MessageOutbox.done_at.is_(None),
        MessageOutbox.name.in_(sorted(set(waiting))))
    if mine:
        query = query.where(MessageOutbox.id.not_in(mine))
    # A message never goes back to the instance that threw it, nor twice to one it was offered to.
    return any(instance_id != source and instance_id not in (asked or [])
               for asked, source in db.session.execute(query).all())


def posted():
    """The queues that got a message in the session's current transaction."""
    return db.session.info.setdefault("outbox_queues", set())


def drain_posted():
    """Deliver what the transaction just committed posted (and what those deliveries post in turn)."""
    info = db.session.info
    if info.get("outbox_draining"):
        return  # a delivery's own commit: the loop below takes its messages
    info["outbox_draining"] = True
    try:
        queues = posted()
        while queues:
            queue = min(queues)
            queues.discard(queue)
            drain(queue)
    finally:
        info["outbox_draining"] = False


def drain_all():
    """Deliver every message still waiting (left by a crash or by conflicts); the scheduler calls this."""
    queues = db.session.execute(db.select(MessageOutbox.queue).where(MessageOutbox.done_at.is_(None))
                                .distinct()).scalars().all()
    db.session.rollback()
    for queue in sorted(queues):
        posted().add(queue)
    drain_posted()


def drain(queue):
    """Deliver the queue's messages, oldest first, one receiver per transaction, until none is left."""
    from .state import unit_of_work

    conflicts = 0
    while True:
        try:
            with unit_of_work():
                more = _deliver_next(queue)
            conflicts = 0
        except Conflict:  # another writer stepped the receiver or the row meanwhile: look again
            conflicts += 1
            if conflicts > RETRIES:
                log.warning("message queue %s left to the next sweep after %s conflicts", queue, conflicts)
                return
            continue
        except Exception as exc:  # noqa: BLE001 - the step that threw it has committed
            log.exception("delivering the messages of queue %s failed", queue)
            db.session.rollback()
            _give_up(queue, exc)  # so that it blocks neither the queue nor the project's timers
            return
        if not more:
            return


def _deliver_next(queue):
    """One transaction of delivery: the queue's oldest message to its next receiver. False when none left."""
    from .messages import MAX_MESSAGE_HOPS

    lock_project(queue)
    box_id = _next_in(queue)
    if box_id is None:
        return False
    box = db.session.execute(db.select(MessageOutbox).where(MessageOutbox.id == box_id)
                             .execution_options(populate_existing=True)).scalar()
    actor = Actor(box.actor, frozenset(box.actor_groups or ()))
    db.session.info["outbox_current"] = box.id  # what the receiver throws is this one's child
    try:
        if box.hops > MAX_MESSAGE_HOPS:
            _refuse_loop(box, actor)
        elif queue == CITY_QUEUE and _from_city(box):
            _fan_out(box)
        else:
            _next_receiver(box, actor)
    finally:
        db.session.info["outbox_current"] = None
    return True


def _next_in(queue):
    """The queue's oldest pending message, or the oldest pending message its delivery threw (depth first)."""
    pending = db.session.execute(
        db.select(MessageOutbox.id, MessageOutbox.parent_id)
        .where(MessageOutbox.queue == queue, MessageOutbox.done_at.is_(None)).order_by(MessageOutbox.id)
    ).all()
    ids = {box_id for box_id, _ in pending}
    chosen = next((box_id for box_id, parent in pending if parent not in ids), None)
    while chosen is not None:
        child = next((box_id for box_id, parent in pending if parent == chosen), None)
        if child is None:
            return chosen
        chosen = child
    return None


def _stored(value):
    """Task data as JSON, its datetimes and decimals marked as the instance state marks them."""
    return serializer.registry.convert(value)


def _payload(box):
    return serializer.registry.restore(box.payload)


def _event(box):
    return BpmnEvent(SpiffMessage(box.name), _payload(box), serializer.registry.restore(box.correlations or {}))


def _next_receiver(box, actor):
    """Offer the message to the next instance of the project waiting for it, else start the processes it
    starts, else hand it to the city; each in this transaction, noted on the row after the step."""
    from .messages import CITY_PREFIX, NotCaught, _receive, _step_instance, _to_city, start_instance

    project_id = box.queue or None
    if project_id is not None:
        asked = set(box.asked) | {box.source_id or 0}
        candidates = db.session.execute(
            db.select(Instance.id, Instance.waiting_messages).where(
                Instance.project_id == project_id, Instance.status == "running").order_by(Instance.id)
        ).all()
        receiver = next((i for i, waiting in candidates if i not in asked and box.name in (waiting or [])), None)
        if receiver is not None:
            event, turned = _event(box), []
            try:
                # A month whose turn is due turns first (messages._receive): what it throws (the next month's
                # start) is this message's child, delivered before it goes on, so the month opened hears it.
                _step_instance(receiver, actor, lambda wf: _receive(wf, event, turned), allowed=("running",),
                               project_id=project_id, hops=box.hops)
                if not turned:
                    box.delivered = [*box.delivered, receiver]
            except NotCaught:  # waits for the same message from another counterpart: not this one's
                pass
            box.asked = [*box.asked, receiver]
            return
    version = db.session.get(registry.ModelVersion, box.version_id) if box.version_id else \
        registry.require_latest_version()
    for process_id in registry.processes_started_by(version.id, box.name):
        if process_id.startswith(CITY_PREFIX) or process_id in box.started:
            continue
        started = start_instance(process_id, actor=actor, project_id=project_id, owner_group=box.owner_group,
                                 version=version, parent_id=box.source_id, start_event=_event(box), hops=box.hops)
        box.started = [*box.started, process_id]
        box.delivered = [*box.delivered, started.id]
        return
    delivered = list(box.delivered)
    if box.to_city and project_id is not None:
        delivered += _to_city(SpiffMessage(box.name), _payload(box), actor=actor, version=version,
                              source_id=box.source_id, hops=box.hops)
    _done(box, actor, delivered)


def _done(box, actor, delivered):
    box.delivered = delivered
    box.done_at = _now()
    record("message", actor.username, box.source_id, box.queue or None, payload={"name": box.name, "to": delivered})


def _from_city(box):
    from .messages import CITY_PREFIX

    process_id = db.session.execute(db.select(Instance.process_id).where(Instance.id == box.source_id)).scalar()
    return bool(process_id) and process_id.startswith(CITY_PREFIX)


def _fan_out(box):
    """A city instance's message: one row per project it reaches (messages.city_targets), in their queues."""
    from .messages import city_targets

    targets = city_targets(box.name, _payload(box))
    for project_id in sorted(targets):
        lock_project(project_id)  # queued in the order the project's own steps write theirs
        db.session.add(MessageOutbox(
            queue=project_id, parent_id=box.id, source_id=box.source_id, name=box.name, payload=box.payload,
            correlations=box.correlations or {}, hops=box.hops, version_id=box.version_id,
            owner_group=None, actor=box.actor, actor_groups=box.actor_groups, to_city=False, asked=[],
            delivered=[], started=[], created_at=_now()))
        posted().add(project_id)
    box.done_at = _now()


def _give_up(queue, exc):
    """The queue's next message failed to go out other than by a conflict: it goes no further and the
    instance that threw it gets an incident naming the error (the database being away: the sweep retries)."""
    from .state import _describe, unit_of_work

    try:
        with unit_of_work():
            box_id = _next_in(queue)
            if box_id is not None:
                box = db.session.get(MessageOutbox, box_id)
                _stop(box, Actor(box.actor, frozenset(box.actor_groups or ())),
                      f"消息“{box.name}”送达失败：{_describe(exc)}"[:4000])
    except Exception:  # noqa: BLE001
        log.exception("giving up the next message of queue %s failed", queue)
        db.session.rollback()


def _refuse_loop(box, actor):
    """Past MAX_MESSAGE_HOPS the message goes nowhere; the instance that threw it gets an incident."""
    _stop(box, actor, f"消息传递层数过多，疑似流程循环：消息“{box.name}”未再传递")


def _stop(box, actor, error):
    row = db.session.get(Instance, box.source_id) if box.source_id else None
    if row is not None and row.status == "running":
        db.session.add(Incident(instance_id=row.id, created_at=_now(), error=error))
        record("incident", actor.username, row.id, row.project_id, None, {"error": error})
        row.status = "incident"
    else:  # the thrower has ended meanwhile: the audit log keeps the failure
        record("message_failed", actor.username, box.source_id, box.queue or None, None, {"error": error})
    log.warning("%s (instance %s)", error, box.source_id)
    _done(box, actor, [])
