"""Migrating the instances a city really has: waiting on a deadline timer, inside a running call
activity, and at a step whose definition or boundary events changed (refused, naming the step)."""
from datetime import datetime

import pytest

from engine import migration, registry, runtime, timers
from engine.db import db as database
from engine.errors import Conflict
from engine.models import AuditEvent, Instance, TaskIndex
from tests.conftest import ENGINE_FIXTURES, ROOT

CALLED = ROOT / "tests" / "fixtures" / "migration"
AT_WAKE = datetime.fromisoformat("2027-03-01T00:00:00+08:00")
WAKE_DUE = "2027-02-28T16:00:00+00:00"  # 2027-03-01 00:00 Beijing
REMIND_DUE = "2027-03-18T16:00:00+00:00"  # one working day before the 2027-03 report deadline, Beijing midnight


def model(**replaced):
    files = {**registry.read_model_dir(ENGINE_FIXTURES), **registry.read_model_dir(CALLED)}
    for name, (old, new) in replaced.items():
        path = f"bpmn/{name}.bpmn"
        assert old in files[path], old
        files[path] = files[path].replace(old, new)
    return files


def deploy(files):
    with runtime.unit_of_work():
        version, created = registry.deploy(files, actor="analyst")
    assert created
    return version


@pytest.fixture
def v1(db):
    return deploy(model())


def start(process, **data):
    with runtime.unit_of_work():
        return runtime.start_instance(process, project_id=9, owner_group="dept:gaj", data=data)


def dues(instance_id):
    return {t["bpmn_id"]: t["due"].isoformat() for t in runtime.waiting_timers(instance_id)}


def refused(row, version, admin, *names):
    ok, reasons = migration.can_migrate(row.id, version.id)
    assert not ok and all(any(n in r for r in reasons) for n in names), reasons
    with pytest.raises(Conflict) as err:
        migration.migrate(row.id, version.id, admin)
    assert all(n in err.value.message for n in names), err.value.message
    database.session.expire_all()
    assert database.session.get(Instance, row.id).version_id != version.id


def test_instance_waiting_on_a_timer_keeps_its_due_time(v1, actor):
    row = start("timed", wake_on="2027-03-01")
    assert dues(row.id) == {"wait": WAKE_DUE}
    # v2 renames the waiting event: the instance takes the new definition and keeps its due time
    v2 = deploy(model(timed=('name="等到开始日"', 'name="等到开始日（新）"')))
    migration.migrate(row.id, v2.id, actor("root", "admin"))
    database.session.expire_all()
    migrated = database.session.get(Instance, row.id)
    assert migrated.version_id == v2.id
    assert dues(row.id) == {"wait": WAKE_DUE}
    assert migrated.next_timer_at.isoformat() == WAKE_DUE[:-6]  # the sweep still finds it at that time
    assert timers.run_due(datetime.fromisoformat("2027-02-28T23:00:00+08:00")) == 0
    assert timers.run_due(AT_WAKE) == 1
    [task] = database.session.query(TaskIndex).filter_by(instance_id=row.id, bpmn_id="report").all()
    assert task.state == "ready"
    assert database.session.query(AuditEvent).filter_by(instance_id=row.id, kind="timer").count() == 1


def test_changed_timer_expression_does_not_move_a_waiting_timer(v1, actor):
    row = start("timed", wake_on="2027-03-01")
    v2 = deploy(model(timed=('<bpmn:timeDate>start_of_day(wake_on)</bpmn:timeDate>',
                             '<bpmn:timeDate>start_of_day("2030-01-01")</bpmn:timeDate>')))
    migration.migrate(row.id, v2.id, actor("root", "admin"))
    database.session.expire_all()
    assert dues(row.id) == {"wait": WAKE_DUE}
    assert timers.run_due(AT_WAKE) == 1


def test_open_step_with_a_reminder_keeps_the_reminder_due(v1, actor):
    row = start("timed", wake_on="2027-03-01")
    timers.run_due(AT_WAKE)
    database.session.expire_all()
    assert dues(row.id) == {"remind": REMIND_DUE}
    v2 = deploy(model(timed=('name="填报进度"', 'name="填报月度进度"')))
    migration.migrate(row.id, v2.id, actor("root", "admin"))
    database.session.expire_all()
    assert dues(row.id) == {"remind": REMIND_DUE}
    [task] = runtime.open_tasks(row.id)
    assert task.name == "填报月度进度"


def test_open_step_whose_boundary_events_changed_is_refused_by_name(v1, actor):
    row = start("timed", wake_on="2027-03-01")
    timers.run_due(AT_WAKE)
    database.session.expire_all()
    start_of_reminder = '    <bpmn:boundaryEvent id="remind"'
    v1_text = model()["bpmn/timed.bpmn"]
    reminder = v1_text[v1_text.index(start_of_reminder):v1_text.index("</bpmn:boundaryEvent>") + len("</bpmn:boundaryEvent>\n")]
    files = model()
    files["bpmn/timed.bpmn"] = (v1_text.replace(reminder, "")
                                .replace('<bpmn:sequenceFlow id="t4" sourceRef="remind" targetRef="send_reminder" />', "")
                                .replace('<bpmn:incoming>t4</bpmn:incoming>', "")
                                .replace('<bpmn:flowNodeRef>remind</bpmn:flowNodeRef>', ""))
    v2 = deploy(files)
    refused(row, v2, actor("root", "admin"), "填报进度", "report", "边界事件")
    assert dues(row.id) == {"remind": REMIND_DUE}


def test_running_call_activity_migrates_and_finishes(v1, actor):
    row = start("with_call")
    [inner] = runtime.open_tasks(row.id)
    assert (inner.bpmn_id, inner.group_code) == ("inspect", "sgj")
    v2 = deploy(model(called=('name="现场核查"', 'name="现场核查（复核）"')))
    migration.migrate(row.id, v2.id, actor("root", "admin"))
    database.session.expire_all()
    [inner] = runtime.open_tasks(row.id)
    assert (inner.bpmn_id, inner.name) == ("inspect", "现场核查（复核）")
    runtime.complete_task(inner.id, {"approved": True}, actor("s1", "sgj"))
    [after] = runtime.open_tasks(row.id)
    assert after.bpmn_id == "after"
    runtime.complete_task(after.id, {"approved": True}, actor("u1", "dept:gaj"))
    assert database.session.get(Instance, row.id).status == "completed"


def test_running_call_activity_whose_definition_changed_is_refused_by_name(v1, actor):
    row = start("with_call")
    v2 = deploy(model(called=('name="核查" calledElement="called_check"',
                              'name="核查（新）" calledElement="called_check"')))
    refused(row, v2, actor("root", "admin"), "核查", "check")
    [inner] = runtime.open_tasks(row.id)
    assert inner.bpmn_id == "inspect"  # nothing moved


def test_running_call_activity_whose_process_is_gone_is_refused(v1, actor):
    row = start("with_call")
    files = model()
    files["bpmn/called.bpmn"] = files["bpmn/called.bpmn"].replace("called_check", "called_review")
    v2 = deploy(files)
    refused(row, v2, actor("root", "admin"), "called_check")


REMINDER_ON_FILL = """    <bpmn:boundaryEvent id="fill_remind" name="填报提醒" attachedToRef="fill" cancelActivity="false">
      <bpmn:outgoing>fr1</bpmn:outgoing>
      <bpmn:timerEventDefinition id="fill_remind_timer"><bpmn:timeDuration>"P3D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="fill_remind_end"><bpmn:incoming>fr1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="fr1" sourceRef="fill_remind" targetRef="fill_remind_end" />
"""


def test_open_step_that_gains_a_boundary_event_is_refused_by_name(v1, actor):
    row = start("simple", build_year=2027)
    v2 = deploy(model(simple=('    <bpmn:userTask id="review"', REMINDER_ON_FILL + '    <bpmn:userTask id="review"')))
    refused(row, v2, actor("root", "admin"), "填报", "fill", "边界事件")
    [task] = runtime.open_tasks(row.id)
    assert task.bpmn_id == "fill" and dues(row.id) == {}
