"""engine.migration: SpiffWorkflow's diff decides; refusals name the steps in Chinese; migration re-indexes."""
import pytest

from engine import migration, registry, runtime
from engine.db import db as database
from engine.errors import Conflict, Forbidden
from engine.models import AuditEvent, Instance, TaskIndex
from tests.conftest import ENGINE_FIXTURES

FILL = {"amount_wan": 10, "own_funds_wan": 10, "other_funds_wan": 0}
INSERTED = """    <bpmn:userTask id="confirm" name="确认材料">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="review.schema.json" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f2b</bpmn:outgoing>
    </bpmn:userTask>
"""


def files_with(simple_text):
    files = registry.read_model_dir(ENGINE_FIXTURES)
    files["bpmn/simple.bpmn"] = simple_text
    return files


def inserted_step(text):
    """v2 of `simple`: a step 确认材料 between 审核 (review) and the gateway."""
    text = text.replace('<bpmn:flowNodeRef>decide</bpmn:flowNodeRef>',
                        '<bpmn:flowNodeRef>confirm</bpmn:flowNodeRef><bpmn:flowNodeRef>decide</bpmn:flowNodeRef>')
    text = text.replace('<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>',
                        '<bpmn:incoming>f2b</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>')
    text = text.replace('    <bpmn:exclusiveGateway id="decide"', INSERTED + '    <bpmn:exclusiveGateway id="decide"')
    text = text.replace('<bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="review" />',
                        '<bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="confirm" />'
                        '<bpmn:sequenceFlow id="f2b" sourceRef="confirm" targetRef="review" />')
    text = text.replace('name="填报"', 'name="填报（新）"')
    return text


def without_fill(text):
    """v3: 填报 removed, the start goes straight to 审核."""
    text = text.replace('<bpmn:flowNodeRef>fill</bpmn:flowNodeRef>', '')
    start = text.index('    <bpmn:userTask id="fill"')
    end = text.index('</bpmn:userTask>', start) + len('</bpmn:userTask>\n')
    text = text[:start] + text[end:]
    text = text.replace('<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />',
                        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />')
    text = text.replace('<bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="review" />', '')
    text = text.replace('<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>',
                        '<bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f_back</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>')
    text = text.replace('<bpmn:sequenceFlow id="f_back" sourceRef="decide" targetRef="fill" />',
                        '<bpmn:sequenceFlow id="f_back" sourceRef="decide" targetRef="review" />')
    return text


def deploy(files):
    with runtime.unit_of_work():
        version, created = registry.deploy(files, actor="analyst")
    assert created
    return version


def start():
    with runtime.unit_of_work():
        return runtime.start_instance("simple", project_id=7, owner_group="dept:gaj", data={"build_year": 2027})


@pytest.fixture
def original():
    return (ENGINE_FIXTURES / "bpmn" / "simple.bpmn").read_text(encoding="utf-8")


def test_migrate_inserted_step_reindexes_and_audits(deployed, actor, original):
    row = start()
    v2 = deploy(files_with(inserted_step(original)))
    ok, reasons = migration.can_migrate(row.id, v2.id)
    assert ok and reasons == []
    admin = actor("root", "admin")
    with pytest.raises(Forbidden):
        migration.migrate(row.id, v2.id, actor("a", "analyst"))
    before = database.session.get(Instance, row.id).lock_version
    migration.migrate(row.id, v2.id, admin)
    migrated = database.session.get(Instance, row.id)
    assert migrated.version_id == v2.id and migrated.lock_version > before
    [task] = runtime.open_tasks(row.id)
    assert task.name == "填报（新）"  # the open task takes the new definition
    runtime.complete_task(task.id, FILL, actor("u1", "dept:gaj"))
    [nxt] = runtime.open_tasks(row.id)
    assert (nxt.bpmn_id, nxt.name, nxt.group_code) == ("confirm", "确认材料", "sgj")  # the new step runs
    kinds = [e.kind for e in database.session.query(AuditEvent).filter_by(instance_id=row.id)]
    assert "migrate" in kinds


def test_removed_step_is_refused_with_its_name(deployed, actor, original):
    row = start()
    v2 = deploy(files_with(without_fill(original)))
    ok, reasons = migration.can_migrate(row.id, v2.id)
    assert not ok
    assert any("填报" in r and "fill" in r and "删除" in r for r in reasons), reasons
    with pytest.raises(Conflict) as err:
        migration.migrate(row.id, v2.id, actor("root", "admin"))
    assert "填报" in err.value.message
    assert database.session.get(Instance, row.id).version_id == deployed.id


def test_finished_and_same_version_are_refused(deployed, actor, original):
    row = start()
    ok, reasons = migration.can_migrate(row.id, deployed.id)
    assert not ok and "无需迁移" in reasons[0]
    runtime.terminate(row.id, actor("root", "admin"), "测试")
    v2 = deploy(files_with(inserted_step(original)))
    ok, reasons = migration.can_migrate(row.id, v2.id)
    assert not ok and "已终止" in reasons[0]
    ok, reasons = migration.can_migrate(row.id, 999)
    assert not ok and "不存在" in reasons[0]


def test_migrate_a_later_step_keeps_history(deployed, actor, original):
    row = start()
    runtime.complete_task(runtime.open_tasks(row.id)[0].id, FILL, actor("u1", "dept:gaj"))
    v2 = deploy(files_with(inserted_step(original)))
    migration.migrate(row.id, v2.id, actor("root", "admin"))
    [task] = runtime.open_tasks(row.id)
    assert task.bpmn_id == "review"  # already past the inserted step: stays where it was
    runtime.complete_task(task.id, {"approved": True}, actor("s1", "sgj"))
    assert database.session.get(Instance, row.id).status == "completed"
    assert database.session.query(TaskIndex).filter_by(instance_id=row.id, state="completed").count() == 2
