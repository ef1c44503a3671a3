"""BPMN beyond the basics, in diagrams of the tests' own (tests/fixtures/features): parallel and sequential
multi-instance user tasks and call activities, data objects, message correlation, event sub-processes and
escalation run; data stores and compensation are refused at deploy, naming the element."""
import pytest

from engine import registry, runtime
from engine.db import db as database
from engine.errors import Conflict, Forbidden, ModelInvalid
from engine.models import Instance, ModelVersion, TaskIndex

from conftest import ROOT

FEATURES = ROOT / "tests" / "fixtures" / "features"


def files_of(*diagrams):
    files = {k: v for k, v in registry.read_model_dir(FEATURES).items() if k.startswith("forms/")}
    for name in diagrams:
        files[f"bpmn/{name}.bpmn"] = (FEATURES / "bpmn" / f"{name}.bpmn").read_text(encoding="utf-8")
    return files


def deploy(*diagrams):
    with runtime.unit_of_work():
        return registry.deploy(files_of(*diagrams), actor="test")[0]


def start(process, **kw):
    with runtime.unit_of_work():
        return runtime.start_instance(process, **kw)


def ready(instance_id):
    return runtime.open_tasks(instance_id)


def project_tasks(project_id):
    return database.session.execute(
        database.select(TaskIndex).filter_by(project_id=project_id, state="ready").order_by(TaskIndex.bpmn_id)
    ).scalars().all()


def status(row):
    return database.session.get(Instance, row.id).status


EXPERTS = ["expert1", "expert2", "expert3"]
DUE = {"expert1": "2026-09-30T16:00:00+00:00", "expert2": "2026-10-15T16:00:00+00:00",
       "expert3": "2026-10-31T16:00:00+00:00"}


def test_parallel_panel_gives_each_expert_their_own_task_and_due_date(db, actor):
    deploy("panel")
    row = start("panel", project_id=3, owner_group="dept:gaj", data={"experts": EXPERTS, "expert_due": DUE})
    tasks = ready(row.id)
    assert sorted((t.assignee, t.group_code, t.lane) for t in tasks) == [
        (e, f"user:{e}", "专家") for e in EXPERTS]
    assert {t.assignee: t.due_at.isoformat() for t in tasks} == {e: d[:19] for e, d in DUE.items()}
    mine = {t.assignee: t for t in tasks}
    # another expert (or anyone of the group) may not work, claim or release an expert's own task
    with pytest.raises(Forbidden):
        runtime.complete_task(mine["expert1"].id, {"score": 90}, actor("expert2", "expert"))
    with pytest.raises(Forbidden):
        runtime.claim_task(mine["expert1"].id, actor("expert2", "expert"))
    with pytest.raises(Conflict):
        runtime.unclaim_task(mine["expert1"].id, actor("expert1", "expert"))
    for score, expert in zip((90, 70, 80), EXPERTS):
        assert status(row) == "running"
        runtime.complete_task(mine[expert].id, {"score": score}, actor(expert, "expert"))
    assert status(row) == "completed"
    done = database.session.query(TaskIndex).filter_by(instance_id=row.id).all()
    assert sorted((t.completed_by, t.state) for t in done) == [(e, "completed") for e in EXPERTS]
    assert database.session.get(Instance, row.id).state.count('"scores":[90,70,80]') >= 1


def test_admin_reassigns_a_designated_task_to_another_person(db, actor):
    deploy("panel")
    row = start("panel", project_id=3, owner_group="dept:gaj", data={"experts": EXPERTS, "expert_due": DUE})
    task = next(t for t in ready(row.id) if t.assignee == "expert3")
    runtime.reassign_task(task.id, "expert4", actor("admin", "admin"), reason="回避")
    task = database.session.get(TaskIndex, task.id)
    assert (task.assignee, task.group_code) == ("expert4", "user:expert4")
    with pytest.raises(Forbidden):
        runtime.complete_task(task.id, {"score": 60}, actor("expert3", "expert"))
    runtime.complete_task(task.id, {"score": 60}, actor("expert4", "expert"))


def test_sequential_multi_instance_offers_one_task_at_a_time(db, actor):
    deploy("sequential")
    row = start("sequential", project_id=4, owner_group="dept:gaj", data={"rounds": 2, "signers": ["sgj1", "sgj2"]})
    sgj = actor("s0", "sgj")
    for _ in range(2):
        [task] = ready(row.id)
        assert (task.bpmn_id, task.group_code, task.assignee) == ("seq_check", "sgj", None)
        runtime.complete_task(task.id, {"opinion": "已复核"}, sgj)
    for signer in ("sgj1", "sgj2"):
        [task] = ready(row.id)
        assert (task.bpmn_id, task.assignee) == ("seq_sign", signer)
        runtime.complete_task(task.id, {"opinion": "已签字"}, actor(signer, "sgj"))
    assert status(row) == "completed"


def test_parallel_multi_instance_call_activity(db, actor):
    deploy("mi_call")
    regions = [{"name": "金安区", "due": "2026-08-20T16:00:00+00:00"},
               {"name": "裕安区", "due": "2026-08-25T16:00:00+00:00"}]
    row = start("mi_call", project_id=5, owner_group="dept:jyj", data={"regions": regions})
    tasks = ready(row.id)
    assert sorted((t.bpmn_id, t.group_code, t.due_at.isoformat()) for t in tasks) == [
        ("mics_check", "dept:jyj", "2026-08-20T16:00:00"), ("mics_check", "dept:jyj", "2026-08-25T16:00:00")]
    jyj = actor("j1", "dept:jyj")
    runtime.complete_task(tasks[0].id, {"opinion": "合格", "approved": True}, jyj)
    assert status(row) == "running" and len(ready(row.id)) == 1
    runtime.complete_task(tasks[1].id, {"opinion": "不合格", "approved": False}, jyj)
    row = database.session.get(Instance, row.id)
    assert row.status == "completed"
    assert '"results":[{"region":{"name":"金安区"' in row.state


def test_data_objects_flow_between_tasks(db, actor):
    deploy("data")
    row = start("data", project_id=6, owner_group="dept:gaj")
    [task] = ready(row.id)
    assert runtime.task_data(task.id)["total"] == 42
    runtime.complete_task(task.id, {"opinion": "无误"}, actor("s1", "sgj"))
    assert status(row) == "completed"


def test_message_correlation_pairs_replies_with_their_requests(db, actor):
    deploy("correlation")
    first = start("corr_main", project_id=8, owner_group="dept:gaj", data={"case_id": "A1"})
    second = start("corr_main", project_id=8, owner_group="dept:gaj", data={"case_id": "B2"})
    handlers = {t.instance_id: t for t in project_tasks(8)}
    assert len(handlers) == 2  # each request started its own handler
    by_case = {}
    for instance_id, task in handlers.items():
        by_case[runtime.task_data(task.id)["case_id"]] = task
    runtime.complete_task(by_case["B2"].id, {"opinion": "核查通过", "approved": True}, actor("s1", "sgj"))
    assert (status(first), status(second)) == ("running", "completed")  # B2's reply reached B2 alone
    runtime.complete_task(by_case["A1"].id, {"opinion": "核查通过", "approved": True}, actor("s1", "sgj"))
    assert status(first) == "completed"


def test_event_sub_process_runs_beside_the_main_path(db, actor):
    deploy("event_sub")
    row = start("event_sub", project_id=9, owner_group="dept:gaj")
    assert [t.bpmn_id for t in ready(row.id)] == ["evs_work"]
    runtime.send_message(9, "补充材料", {}, actor=actor("u1", "dept:gaj"))
    assert sorted(t.bpmn_id for t in ready(row.id)) == ["evs_sub_read", "evs_work"]
    sgj = actor("s1", "sgj")
    for task in ready(row.id):
        runtime.complete_task(task.id, {"opinion": "已阅"}, sgj)
    assert status(row) == "completed"


@pytest.mark.parametrize("budget,expected", [(2000, ["esc_handle"]), (10, [])])
def test_escalation_is_caught_on_the_sub_process_boundary(db, actor, budget, expected):
    deploy("escalation")
    row = start("escalation", project_id=10, owner_group="dept:gaj", data={"budget_wan": budget})
    assert [t.bpmn_id for t in ready(row.id)] == expected
    for task in ready(row.id):
        runtime.complete_task(task.id, {"opinion": "已核减"}, actor("s1", "sgj"))
    assert status(row) == "completed"


@pytest.mark.parametrize("diagram,elements", [
    ("compensation", {"cmp_boundary", "cmp_release", "cmp_undo"}),
    ("datastore", {"ds_registry", "ds_ref"}),
])
def test_unsupported_elements_are_refused_by_name_and_line(db, diagram, elements):
    with pytest.raises(ModelInvalid) as err:
        deploy(diagram)
    problems = err.value.problems
    assert {p["element_id"] for p in problems} == elements
    assert all(p["file"] == f"bpmn/{diagram}.bpmn" and p["line"] > 1 for p in problems)
    assert all("不支持" in p["message"] or "不提供" in p["message"] for p in problems)
    assert database.session.query(ModelVersion).count() == 0


@pytest.mark.parametrize("breakage", ["no_input", "both", "bad_item", "bad_cardinality", "unknown_call",
                                      "sequential_without_output"])
def test_broken_multi_instance_is_refused_not_raised(db, breakage):
    files = files_of("panel", "mi_call")
    panel, call = files["bpmn/panel.bpmn"], files["bpmn/mi_call.bpmn"]
    if breakage == "no_input":
        panel = panel.replace("<bpmn:loopDataInputRef>experts</bpmn:loopDataInputRef>", "")
    elif breakage == "both":
        panel = panel.replace("<bpmn:loopDataInputRef>", "<bpmn:loopCardinality>3</bpmn:loopCardinality><bpmn:loopDataInputRef>")
    elif breakage == "bad_item":
        panel = panel.replace('<bpmn:inputDataItem id="expert" name="expert" />', '<bpmn:inputDataItem id="ex-pert" name="ex-pert" />')
    elif breakage == "bad_cardinality":
        call = call.replace("<bpmn:loopDataInputRef>regions</bpmn:loopDataInputRef>",
                            "<bpmn:loopCardinality>__import__('os')</bpmn:loopCardinality>")
        call = call.replace("<bpmn:loopDataOutputRef>results</bpmn:loopDataOutputRef>", "")
    elif breakage == "unknown_call":
        call = call.replace('calledElement="mi_call_sub"', 'calledElement="nowhere"')
    else:  # each instance's data would merge into the activity's and the second instance fail
        panel = panel.replace('<bpmn:multiInstanceLoopCharacteristics ', '<bpmn:multiInstanceLoopCharacteristics isSequential="true" ')
        panel = panel.replace("<bpmn:loopDataOutputRef>scores</bpmn:loopDataOutputRef>", "")
    problems, _ = registry.validate({**files, "bpmn/panel.bpmn": panel, "bpmn/mi_call.bpmn": call})
    assert problems, breakage
    element = "mic_call" if breakage in ("bad_cardinality", "unknown_call") else "panel_score"
    assert any(p["element_id"] == element or element in p["message"] for p in problems), problems


def test_progress_files_each_step_under_its_diagram_with_instance_counts(db, actor):
    from engine import progress

    deploy("mi_call")
    regions = [{"name": "金安区", "due": "2026-08-20T16:00:00+00:00"},
               {"name": "裕安区", "due": "2026-08-25T16:00:00+00:00"},
               {"name": "霍邱县", "due": "2026-08-25T16:00:00+00:00"}]
    row = start("mi_call", project_id=5, owner_group="dept:jyj", data={"regions": regions})
    runtime.complete_task(ready(row.id)[0].id, {"opinion": "合格"}, actor("j1", "dept:jyj"))
    states = progress.diagram_states(database.session.get(Instance, row.id))
    assert states["current"] == states["top"] == "bpmn/mi_call.bpmn"  # both processes are in one file
    marks = states["files"]["bpmn/mi_call.bpmn"]
    assert {"mic_call", "mics_check"} <= set(marks["active"]) and marks["counts"] == {"mics_check": 2}
    assert {"mic_start", "mics_start"} <= set(marks["completed"])


def test_a_loop_back_without_a_gateway_is_refused_at_deploy(db):
    """SpiffWorkflow predicts such a loop forever when the workflow is made: refused, not a 500 at start."""
    files = files_of("reopen")
    text = files["bpmn/reopen.bpmn"]
    text = text.replace('<bpmn:incoming>reopen_f1</bpmn:incoming><bpmn:outgoing>reopen_f2</bpmn:outgoing>',
                        '<bpmn:incoming>reopen_f1</bpmn:incoming><bpmn:incoming>reopen_f3</bpmn:incoming>'
                        '<bpmn:outgoing>reopen_f2</bpmn:outgoing>')
    text = text.replace('sourceRef="reopen_wait" targetRef="reopen_revise"', 'sourceRef="reopen_wait" targetRef="reopen_declare"')
    problems, _ = registry.validate({**files, "bpmn/reopen.bpmn": text})
    assert [(p["element_id"], "回环" in p["message"]) for p in problems] == [("reopen", True)]
