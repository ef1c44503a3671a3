"""督查整改不力的处理 apply to the department's next 申报轮次 only (notice 三(三)): 压缩预算 caps the sum of the
概算 of all its declarations of that round, not each one; a later round is untouched; the sanction lapses by
itself when the round closes, and the 按月通报 and the yearly 考核 show it in force, then lapsed."""
from engine.audit import record  # noqa: F401  (the lapse is an audit event)
from engine.db import db
from engine.models import AuditEvent
from webapp.core.models import Department

from . import city
from .test_inspection import lagging_project

FUNDS = "funding_sources"


def _declare_ready(project_id, name, year, at):
    q = city.CityProject(project_id, department="jyj", name=name, build_year=year, at=at)
    q.complete("task_project_preparation", "dept")
    q.complete("task_internal_review", "dept")
    return q


def _declaration(budget):
    return {"budget_wan": budget, FUNDS: [{"source": "本级财政", "amount_wan": budget}]}


def _rejected_rectification(users, reason, requirements, **decision):
    """The lagging project's 督查 opened on 2026-06-25 and its 整改 rejected on 2026-07-08 with `decision`."""
    from webapp.oversight.services import actions

    p = lagging_project()
    with city.at("2026-06-25T10:00"):
        actions.open_inspection(users["sgj"], {"project_id": 2, "reason": reason, "requirements": requirements,
                                               "deadline": "2026-07-10"})
    p.complete("task_rectification_measures", "dept", at="2026-07-05", submitted_date="2026-07-05",
               expected_completion="2026-09-30")
    p.complete("task_rectification_review", "sgj", at="2026-07-08", rectification_accepted=False,
               review_opinion="成效不明显", review_date="2026-07-08", **decision)
    return p


def test_budget_cut_caps_the_round_total_and_lapses_after_the_round(users, app):
    from webapp.oversight.services import actions, reports

    p = _rejected_rectification(users, "预算执行不到位", "按计划支付", consequence="压缩预算", budget_cap_wan=600)
    db.session.expire_all()
    department = db.session.get(Department, "jyj")
    # decided after 2026-06-30: the next round is build year 2028 (申报 due 2027-06-30)
    assert department.sanction == "budget_cut" and "2028 年度申报轮次" in department.sanction_note

    a = _declare_ready(5, "教育资源公共服务平台", 2028, "2026-09-01")
    b = _declare_ready(6, "校园安全平台", 2028, "2026-09-01")
    later = _declare_ready(7, "职业教育实训平台", 2029, "2026-09-01")
    a.complete("task_declaration", "dept", at="2026-10-10", build_year=2028, **_declaration(400))
    # the cap is the round's total: 400 declared already, 300 more would pass 600
    with city.at("2026-10-11T09:00"):
        actions.propagate_sanctions()
    db.session.expire_all()
    with city.at("2026-10-11T10:00"):
        from engine import runtime

        prefill = runtime.task_data(b.task("task_declaration").id)
    assert (prefill["department_sanction"], prefill["department_budget_cap_wan"]) == ("压缩预算", 200)
    errors = b.submit_invalid("task_declaration", "dept", build_year=2028, department_sanction="",
                              department_budget_cap_wan=9999, **_declaration(300))
    assert "合计不得超过上限" in errors["budget_wan"]  # the form's rule, on the workflow's figures
    b.complete("task_declaration", "dept", at="2026-10-12", build_year=2028, **_declaration(200))
    # a project the job has not reached yet: the server checks the round's total itself
    c = _declare_ready(8, "智慧校园平台", 2028, "2026-10-13")
    errors = c.submit_invalid("task_declaration", "dept", build_year=2028, **_declaration(50))
    assert "合计不得超过 600" in errors["budget_wan"] and "其他项目已申报 600" in errors["budget_wan"]
    # a later round is not touched
    later.complete("task_declaration", "dept", at="2026-10-12", build_year=2029, **_declaration(900))
    # 撤回 and correct the first: its own earlier 概算 does not count against it
    a.send("declaration_reopen", {})
    a.complete("task_declaration", "dept", at="2026-10-20", build_year=2028, **_declaration(400))

    month = reports.compute_bulletin("2027-06")
    assert [(s["department"], s["sanction"], s["round_year"], s["status"]) for s in month["sanctions"]] == \
        [("jyj", "压缩预算", 2028, "执行中")]
    # the round closes on 2027-06-30: the scheduler's oversight job lets the sanction go
    with city.at("2027-07-01T09:00"):
        actions.scheduled_bulletin()
    db.session.expire_all()
    assert db.session.get(Department, "jyj").sanction is None
    lapse = db.session.execute(db.select(AuditEvent).filter_by(kind="sanction_lapse")).scalars().all()
    assert [(e.payload["department"], e.payload["round_year"]) for e in lapse] == [("jyj", 2028)]
    with city.at("2027-07-02T09:00"):
        july = reports.compute_bulletin("2027-07")
        assert [(s["sanction"], s["status"], s["until"]) for s in july["sanctions"]] == [
            ("压缩预算", "已到期解除", "2027-06-30")]  # July's bulletin says it went
        june = reports.compute_bulletin("2027-06")
        assert [(s["sanction"], s["status"]) for s in june["sanctions"]] == [("压缩预算", "已到期解除")]
        rows = {r["department"]: r for r in reports.yearly_assessment(2027)}
        assert rows["jyj"]["sanction"] == "压缩预算" and "已到期解除" in rows["jyj"]["sanction_detail"]
        assert rows["gaj"]["sanction_detail"] == ""


def test_suspension_refuses_the_next_round_only_and_then_lapses(users, app):
    from webapp.oversight.services import actions

    p = _rejected_rectification(users, "进度滞后", "加快", consequence="暂缓申报")
    q = _declare_ready(5, "教育资源公共服务平台", 2028, "2026-09-01")
    errors = q.submit_invalid("task_declaration", "dept", build_year=2028, **_declaration(300))
    assert "2028 年度申报轮次" in errors["department_sanction"] and "2027-06-30 后自动解除" in errors["department_sanction"]
    later = _declare_ready(6, "校园安全平台", 2029, "2026-09-01")
    later.complete("task_declaration", "dept", at="2026-09-02", build_year=2029, **_declaration(300))
    # after the round closed the sanction is gone by itself: filed now, the 2028 project joins round 2029
    with city.at("2027-07-01T09:00"):
        actions.scheduled_bulletin()
    q.complete("task_declaration", "dept", at="2027-07-05", build_year=2028, department_sanction="",
               **_declaration(300))
    assert q.variables()["build_year"] == 2029
