"""督查整改 scenario: lagging project → 督查 (限期整改) → 整改 rejected → the department's next 申报
shows the consequence and is refused; then the budget-cut variant; lifting the sanction frees it."""
import pytest

from engine.db import db
from engine.errors import Forbidden, Invalid
from engine.models import Instance, Notification, TaskIndex
from scenarios import driver
from webapp.core.models import Department

from . import city

NOW = "2026-06-25T10:00"


def lagging_project():
    p = city.CityProject(2, department="jyj", name="智慧教育平台", build_year=2026, at="2025-03-02")
    city.to_contract(p, 2026, approved=300, amount=290, signed="2026-03-10", plan_start="2026-03-01",
                     plan_end="2026-08-31", quarters=[("2026-Q1", 100), ("2026-Q2", 100)], principle="保障民生")
    city.report(p, "2026-03", at="2026-03-19", percent=5, last=0, contract_amount=290)
    p.fire("2026-04-01")
    return p


def test_rejected_rectification_suspends_the_next_declaration(users, app):
    from webapp.oversight.services import actions, reports

    p = lagging_project()
    # a project of the same department already in 谋划 (its 申报 is next year)
    q = city.CityProject(5, department="jyj", name="教育资源公共服务平台", build_year=2028, at="2026-03-02")
    with city.at(NOW):
        row = {r["project_id"]: r for r in reports.compute_bulletin("2026-06")["rows"]}[2]
        assert row["rag"] == "red"
        with pytest.raises(Forbidden, match="只有市数管局可以执行此操作"):
            actions.open_inspection(users["dept_jyj"], {"project_id": 2, "reason": "x", "requirements": "y",
                                                        "deadline": "2026-07-10"})
        with pytest.raises(Invalid) as bad:  # the deadline must be after the 督查 date
            actions.open_inspection(users["sgj"], {"project_id": 2, "reason": "形象进度落后", "requirements": "加快",
                                                   "deadline": "2026-06-01"})
        assert set(bad.value.fields) == {"deadline"}
        inspection = actions.open_inspection(users["sgj"], {
            "project_id": 2, "month": "2026-06", "reason": "形象进度落后计划3个月，预算执行率为0",
            "requirements": "增派人员，7月10日前报送整改措施", "deadline": "2026-07-10", "joint_units": ["市财政局"]})
    db.session.expire_all()
    instance = db.session.get(Instance, inspection.instance_id)
    assert (instance.process_id, instance.project_id, instance.owner_group) == ("inspection", 2, "dept:jyj")
    task = db.session.execute(db.select(TaskIndex).filter_by(instance_id=instance.id, state="ready",
                                                             bpmn_id="task_rectification_measures")).scalar()
    assert (task.bpmn_id, task.lane, task.group_code) == ("task_rectification_measures", "项目建设主管部门", "dept:jyj")
    assert task.due_at == driver.day_end("2026-07-10")
    notes = db.session.execute(db.select(Notification).filter_by(instance_id=instance.id)).scalars().all()
    assert [(n.group_code, n.kind) for n in notes] == [("dept:jyj", "supervise")]
    with city.at(NOW), pytest.raises(Exception, match="未办结"):
        actions.open_inspection(users["sgj"], {"project_id": 2, "reason": "重复", "requirements": "重复",
                                               "deadline": "2026-07-10"})

    # reminder 3 working days before, overdue at the deadline → 督办 to 市数管局
    p.fire("2026-07-07T09:00")
    p.fire("2026-07-11T09:00")
    kinds = [(n.group_code, n.kind) for n in db.session.execute(
        db.select(Notification).filter_by(instance_id=instance.id).order_by(Notification.id)).scalars()]
    assert kinds == [("dept:jyj", "supervise"), ("dept:jyj", "reminder"), ("dept:jyj", "overdue"), ("sgj", "supervise")]
    assert actions.inspection_dict(db.session.get(type(inspection), inspection.id))["overdue"] is True

    p.complete("task_rectification_measures", "dept", at="2026-07-12", submitted_date="2026-07-12",
               expected_completion="2026-09-30")
    db.session.expire_all()
    assert db.session.get(type(inspection), inspection.id).status == "answered"
    assert "task_rectification_review" not in p.open()  # 整改验收 waits for the joint unit's own view
    p.complete("task_joint_inspection_czj", "czj", at="2026-07-13")
    review = p.task("task_rectification_review")
    assert review.group_code == "sgj"
    refused = p.submit_invalid("task_rectification_review", "sgj", rectification_accepted=False, consequence="无")
    assert "consequence" in refused
    p.complete("task_rectification_review", "sgj", at="2026-07-20", rectification_accepted=False,
               review_opinion="整改措施不具体，进度未追上", review_date="2026-07-20", consequence="暂缓申报")
    db.session.expire_all()
    done = db.session.get(type(inspection), inspection.id)
    assert (done.status, done.consequence, done.decided_by) == ("rejected", "suspend", "sgj")
    assert db.session.get(Instance, inspection.instance_id).status == "completed"
    told = db.session.execute(db.select(Notification).filter_by(instance_id=instance.id).order_by(Notification.id.desc())
                              ).scalars().first()  # 整改验收's postScript: 落实整改不力处理
    assert (told.group_code, told.kind, told.task_bpmn_id) == ("dept:jyj", "supervise", "task_rectification_review")
    assert "督查整改未通过：暂缓申报。整改措施不具体" in told.message
    assert p.variables(instance.id)["department_sanction"] == "暂缓申报" and p.reached("end_inspection_sanctioned", instance.id)
    department = db.session.get(Department, "jyj")
    assert department.sanction == "suspend" and "暂缓 2028 年度申报轮次" in department.sanction_note
    assert db.session.get(Department, "gaj").sanction is None

    # the department's next 申报: the running project in 谋划 gets the sanction in its data (scheduler job) …
    with city.at("2026-07-21T10:00"):
        actions.scheduled_bulletin()
    db.session.expire_all()
    q.complete("task_project_preparation", "dept", at="2026-07-22")
    q.complete("task_internal_review", "dept", at="2026-07-23")
    declaration = q.task("task_declaration")
    from engine import runtime

    with city.at("2026-07-23T11:00"):
        prefill = runtime.task_data(declaration.id)
    assert prefill["department_sanction"] == "暂缓申报"  # shown on the 申报表 (read-only field)
    # … and the declaration is refused, also when a client posts an empty sanction
    errors = q.submit_invalid("task_declaration", "dept", build_year=2028, budget_wan=500, department_sanction="",
                              funding_sources=[{"source": "本级财政", "amount_wan": 500}])
    assert "暂缓" in errors["department_sanction"]
    # a project created after the sanction: the server-side check refuses its 申报 too
    r = city.CityProject(6, department="jyj", name="校园安全平台", build_year=2028, at="2026-07-25")
    r.complete("task_project_preparation", "dept")
    r.complete("task_internal_review", "dept")
    errors = r.submit_invalid("task_declaration", "dept", build_year=2028, budget_wan=500,
                              funding_sources=[{"source": "本级财政", "amount_wan": 500}])
    assert "department_sanction" in errors
    # other departments declare as usual
    g = city.CityProject(7, department="gaj", name="警务云", build_year=2028, at="2026-07-25")
    g.complete("task_project_preparation", "dept")
    g.complete("task_internal_review", "dept")
    g.complete("task_declaration", "dept", at="2026-07-26", build_year=2028, budget_wan=500,
               funding_sources=[{"source": "本级财政", "amount_wan": 500}])
    assert g.open() == [] and g.instance.next_timer_at == driver.utc_naive("2027-07-01T00:00")  # on time: waits for 预审

    # 市数管局 lifts the sanction: the declaration goes through
    with city.at("2026-07-27T10:00"):
        actions.lift_sanction(users["sgj"], "jyj", "整改已到位")
    db.session.expire_all()
    with city.at("2026-07-27T11:00"):
        assert runtime.task_data(q.task("task_declaration").id)["department_sanction"] == ""
    q.complete("task_declaration", "dept", at="2026-07-28", build_year=2028, budget_wan=500,
               funding_sources=[{"source": "本级财政", "amount_wan": 500}])
    assert q.open() == [] and q.instance.next_timer_at == driver.utc_naive("2027-07-01T00:00")
    q.fire("2027-07-01T00:00")
    assert "task_precheck" in q.open()


def _measures_reported(users, reason, requirements):
    """The lagging project under a 督查 opened at NOW (deadline 7月10日), its 整改措施 reported on 7月5日."""
    from webapp.oversight.services import actions

    p = lagging_project()
    with city.at(NOW):
        inspection = actions.open_inspection(users["sgj"], {"project_id": 2, "reason": reason,
                                                            "requirements": requirements, "deadline": "2026-07-10"})
    p.complete("task_rectification_measures", "dept", at="2026-07-05", submitted_date="2026-07-05",
               expected_completion="2026-09-30")
    return p, inspection


def test_budget_cut_caps_the_next_declaration(users, app):
    from webapp.oversight.services import actions

    p, inspection = _measures_reported(users, "预算执行不到位", "按计划支付")
    p.complete("task_rectification_review", "sgj", at="2026-07-08", rectification_accepted=False,
               review_opinion="成效不明显", review_date="2026-07-08", consequence="压缩预算", budget_cap_wan=200)
    db.session.expire_all()
    assert db.session.get(Department, "jyj").sanction == "budget_cut"
    q = city.CityProject(5, department="jyj", name="教育资源公共服务平台", build_year=2028, at="2026-07-09")
    with city.at("2026-07-09T11:00"):
        assert actions.propagate_sanctions() == 1
        assert actions.propagate_sanctions() == 0  # once per instance and sanction
    q.complete("task_project_preparation", "dept")
    q.complete("task_internal_review", "dept")
    errors = q.submit_invalid("task_declaration", "dept", build_year=2028, budget_wan=500,
                              funding_sources=[{"source": "本级财政", "amount_wan": 500}])
    assert "budget_wan" in errors
    q.complete("task_declaration", "dept", build_year=2028, budget_wan=180,
               funding_sources=[{"source": "本级财政", "amount_wan": 180}])
    assert inspection.id


def test_accepted_rectification_tells_the_department(users, app):
    """The notices are the steps' scripts: 下达限期整改通知 when the department's step opens, the result when
    整改验收 is submitted; nobody else is told and nothing is sanctioned."""
    p, inspection = _measures_reported(users, "形象进度落后", "加快")
    p.complete("task_rectification_review", "sgj", at="2026-07-06", rectification_accepted=True,
               review_opinion="整改到位", review_date="2026-07-06")
    db.session.expire_all()
    notes = db.session.execute(db.select(Notification).filter_by(instance_id=inspection.instance_id)
                               .order_by(Notification.id)).scalars().all()
    assert [(n.group_code, n.kind, n.task_bpmn_id) for n in notes] == [
        ("dept:jyj", "supervise", "task_rectification_measures"), ("dept:jyj", "reminder", "task_rectification_review")]
    assert "被市数管局督查：形象进度落后。请于 2026-07-10 前报送整改措施" in notes[0].message
    assert "督查整改已通过验收" in notes[1].message
    assert p.reached("end_inspection_closed", inspection.instance_id)
    assert "department_sanction" not in p.variables(inspection.instance_id)
    assert db.session.get(Department, "jyj").sanction is None


def test_opening_and_fund_requests_run_their_first_scripts_before_anything_is_written(users, app,
                                                                                      writes_before_each_script):
    """A 督查 and a 资金拨付 start their process by a message inside the caller's transaction (its answer
    needs what was started): the process starts before anything is written, so its first scripts run while
    the transaction has written nothing, and on SQLite no write lock is held while they run."""
    from webapp.oversight.services import actions

    lagging_project()
    with city.at(NOW):
        seen, writes, inspection = writes_before_each_script(lambda: actions.open_inspection(
            users["sgj"], {"project_id": 2, "month": "2026-06", "reason": "形象进度落后", "requirements": "报送整改措施",
                           "deadline": "2026-07-10"}))
        assert seen and seen[0] == 0, (seen, writes)  # the 督查通知 preScript ran before the first write
        assert writes  # then the process and the row were written
        db.session.expire_all()
        assert db.session.get(Instance, inspection.instance_id).process_id == "inspection"
        seen, writes, _ = writes_before_each_script(lambda: actions.request_funds(users["dept_jyj"], 2))
        assert seen and seen[0] == 0, (seen, writes)
