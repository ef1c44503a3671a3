"""A timer step and the message outbox: a step gives way only to a message on its way to its own instance,
and a step that gave way still fires in the same sweep, once that message has gone out (engine/timers.py)."""
from datetime import datetime
from pathlib import Path

import pytest

from engine import runtime, timers
from engine.db import db as database
from engine.models import AuditEvent, Instance, MessageOutbox
from engine.runtime import outbox
from tests.conftest import deploy_model_dir

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "outbox_give_way"
WAKE_ON = "2027-03-01"
SWEEP = datetime.fromisoformat("2027-03-01T09:00:00+08:00")


@pytest.fixture
def watched(db, monkeypatch):
    """A watcher of project 1, its timer due at the sweep, and the overtaken() answers its steps got."""
    deploy_model_dir(FIXTURES)
    with runtime.unit_of_work():
        watcher = runtime.start_instance("watcher", project_id=1, owner_group="dept:gaj", data={"wake_on": WAKE_ON})
    assert "notice" in watcher.waiting_messages
    answers, real = [], outbox.overtaken

    def recorded(queue, instance_id, waiting):
        answers.append(real(queue, instance_id, waiting))
        return answers[-1]

    monkeypatch.setattr(outbox, "overtaken", recorded)
    return watcher.id, answers


def left_on_its_way(monkeypatch, start):
    """Start an instance whose message stays undelivered (as when its delivery was cut short)."""
    with monkeypatch.context() as patched:
        patched.setattr(outbox, "drain_posted", lambda: None)
        with runtime.unit_of_work():
            start()
    outbox.posted().clear()
    [box] = database.session.query(MessageOutbox).filter(MessageOutbox.done_at.is_(None)).all()
    return box


def woke(watcher_id):
    database.session.expire_all()
    row = database.session.get(Instance, watcher_id)
    timed = database.session.query(AuditEvent).filter_by(instance_id=watcher_id, kind="timer").count()
    return timed, row.next_timer_at


def test_another_instances_message_on_its_way_holds_up_no_timer(watched, monkeypatch):
    watcher_id, answers = watched
    box = left_on_its_way(monkeypatch, lambda: runtime.start_instance("chatter", project_id=1))
    assert (box.queue, box.name) == (1, "chat")
    assert timers.run_due(SWEEP) == 1
    assert answers == [False]  # the watcher does not wait for `chat`: its step went ahead at once
    assert woke(watcher_id) == (1, None)


def test_a_step_that_gave_way_to_its_own_instances_message_fires_in_the_same_sweep(watched, monkeypatch):
    watcher_id, answers = watched
    # The city's notice, still on its way, names another project only; the watcher waits for `notice`, so
    # its timer step gives way until the notice has gone out (and reached project 2's instances, not it).
    box = left_on_its_way(monkeypatch, lambda: runtime.start_instance(
        "city_notice", project_id=None, owner_group="sgj", data={"notice_to": [2]}))
    assert (box.queue, box.name) == (outbox.CITY_QUEUE, "notice")
    assert timers.run_due(SWEEP) == 1  # one sweep: the step gave way, the notice went out, the step fired
    assert answers == [True, False]
    assert woke(watcher_id) == (1, None)
    assert database.session.query(MessageOutbox).filter(MessageOutbox.done_at.is_(None)).count() == 0
    assert database.session.get(Instance, watcher_id).waiting_messages == ["notice"]  # it was not for this one
    assert timers.run_due(SWEEP) == 0


def test_a_step_that_keeps_giving_way_is_left_to_the_next_sweep(watched, monkeypatch):
    watcher_id, answers = watched
    left_on_its_way(monkeypatch, lambda: runtime.start_instance(
        "city_notice", project_id=None, owner_group="sgj", data={"notice_to": [2]}))
    monkeypatch.setattr(outbox, "drain_all", lambda: None)  # the notice cannot go out in this sweep
    assert timers.run_due(SWEEP) == 0
    assert answers == [True] * (1 + timers.GIVE_WAY_ROUNDS)  # tried again a bounded number of times
    assert woke(watcher_id) == (0, datetime.fromisoformat("2027-02-28T16:00:00"))
    monkeypatch.undo()
    assert timers.run_due(SWEEP) == 1
    assert woke(watcher_id)[0] == 1
