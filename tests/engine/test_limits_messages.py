"""A receiver's runaway script keeps no other writer waiting: a message is delivered after its sender's
transaction commits (engine/runtime/outbox.py), so on SQLite no script runs while the write lock is held."""
import threading
import time
from pathlib import Path

import pytest

from engine import runtime, timers
from engine.models import AuditEvent
from engine.runtime import outbox
from engine.audit import record
from engine.db import db as database
from engine.models import Incident, Instance, MessageOutbox
from engine.sandbox import limits
from tests.conftest import deploy_model_dir
from tests.engine.test_limits import BIG, warm_workers

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "limits_messages"
WALL = 2.0


def _race_a_runaway_receiver(app, monkeypatch):
    """Send a message whose receiver's script runs up to the wall-clock limit, while another client writes
    (as a sign-in writes its audit line) every 50 ms. Returns the sender's id, how long the send took, how
    many writes the other client made meanwhile and its slowest one, in seconds."""
    previous = limits.configure(cpu_seconds=30, wall_seconds=WALL, memory_mb=128)  # the wall clock stops it
    try:
        deploy_model_dir(FIXTURES)
        warm_workers(monkeypatch, 2)
        done, sent = threading.Event(), {}

        def send():
            with app.app_context():
                try:
                    with runtime.unit_of_work():
                        sent["id"] = runtime.start_instance("pinger", project_id=7, data={"n": BIG}).id
                finally:
                    done.set()

        began = time.monotonic()
        threading.Thread(target=send).start()
        slowest, writes = 0.0, 0
        while not done.is_set():
            with app.app_context():
                t = time.monotonic()
                with runtime.unit_of_work():
                    record("probe", "other", None, None)
                slowest = max(slowest, time.monotonic() - t)
            writes += 1
            time.sleep(0.05)
        took = time.monotonic() - began
    finally:
        limits.configure(**vars(previous))
    print(f"\n{database.engine.dialect.name}: send {took:.2f} s, {writes} writes by another client meanwhile, "
          f"slowest {slowest * 1000:.0f} ms")
    return sent.get("id"), took, writes, slowest


def test_a_receiver_past_the_limit_keeps_no_other_writer_waiting(app, db, monkeypatch):
    sender, took, writes, slowest = _race_a_runaway_receiver(app, monkeypatch)
    assert took >= WALL  # the receiver's script ran up to the limit meanwhile…
    assert writes >= 10 and slowest < 0.5, (writes, slowest)  # …and the other writer never waited for it
    database.session.expire_all()
    assert database.session.get(Instance, sender).status == "completed"
    [receiver] = database.session.query(Instance).filter_by(process_id="ponger").all()
    assert receiver.status == "incident" and receiver.parent_id == sender
    incident = database.session.query(Incident).filter_by(instance_id=receiver.id).one()
    assert "（spin）" in incident.error and "运行时间上限" in incident.error
    assert database.session.query(MessageOutbox).filter(MessageOutbox.done_at.is_(None)).count() == 0


def test_delivered_inside_the_senders_transaction_the_receiver_would_hold_sqlites_write_lock(app, db, monkeypatch):
    """What the outbox avoids, measured: the same message delivered inline keeps the other writer waiting."""
    if database.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks rows, not the database: an inline receiver holds up no other writer")

    def inline(row, events, actor, hops=0):  # as delivery was before the outbox
        for event in events:
            runtime.deliver_message(row.project_id, event.event_definition, event.payload, actor=actor,
                                    version_id=row.version_id, owner_group=row.owner_group, source_id=row.id,
                                    hops=hops + 1, correlations=event.correlations)

    monkeypatch.setattr(runtime.messages, "_route", inline)
    _sender, took, writes, slowest = _race_a_runaway_receiver(app, monkeypatch)
    assert took >= WALL and slowest >= WALL * 0.75, (writes, slowest)


def test_a_delivery_cut_short_goes_on_at_the_next_sweep_and_reaches_no_one_twice(app, db, monkeypatch):
    deploy_model_dir(FIXTURES)
    real, calls = outbox._deliver_next, []

    def crash_after_one(queue):  # the process ends after the first receiver's transaction committed
        calls.append(queue)
        if len(calls) > 1:
            raise SystemExit("进程中断")
        return real(queue)

    monkeypatch.setattr(outbox, "_deliver_next", crash_after_one)
    with pytest.raises(SystemExit):
        with runtime.unit_of_work():
            runtime.start_instance("pinger", project_id=8, data={"n": 10})
    database.session.rollback()
    [sender] = database.session.query(Instance.id).filter_by(process_id="pinger").one()
    database.session.expire_all()
    assert database.session.get(Instance, sender).status == "completed"  # the sender's step stands
    [box] = database.session.query(MessageOutbox).all()
    assert box.done_at is None and len(box.delivered) == 1
    first = box.delivered[0]
    monkeypatch.setattr(outbox, "_deliver_next", real)
    timers.run_due()  # the scheduler's sweep delivers what is left
    database.session.expire_all()
    started = database.session.query(Instance).filter(Instance.parent_id == sender).all()
    assert sorted(r.process_id for r in started) == ["listener", "ponger"]  # each once
    assert first in {r.id for r in started}
    box = database.session.get(MessageOutbox, box.id)
    assert box.done_at is not None and sorted(box.delivered) == sorted(r.id for r in started)
    assert database.session.query(AuditEvent).filter_by(kind="message", instance_id=sender).count() == 1
    timers.run_due()
    assert database.session.query(Instance).filter(Instance.parent_id == sender).count() == 2


def test_a_message_that_cannot_go_out_is_recorded_and_blocks_nothing(app, db, monkeypatch):
    deploy_model_dir(FIXTURES)

    def broken(wf, event):
        raise ValueError("状态损坏")

    monkeypatch.setattr(runtime.messages, "_receive", broken)
    monkeypatch.setattr(runtime.messages, "start_instance", lambda *a, **k: broken(None, None))
    with runtime.unit_of_work():
        sender = runtime.start_instance("pinger", project_id=9, data={"n": 10}).id
    database.session.expire_all()
    box = database.session.query(MessageOutbox).one()
    assert box.done_at is not None and box.delivered == []
    failed = database.session.query(AuditEvent).filter_by(instance_id=sender, kind="message_failed").one()
    assert "状态损坏" in failed.payload["error"]  # the sender has ended: the audit log keeps it
    assert database.session.query(Instance).filter_by(process_id="ponger").count() == 0
