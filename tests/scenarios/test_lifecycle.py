"""Whole-lifecycle scenarios on the deployed diagrams of bpmn/ (issue 3).

Each test walks one project through lifecycle.bpmn (and the acceptance call activity, the monthly
progress_report instances) with the driver, moving the clock, and checks the tasks met in order, the
groups their lanes resolved to, their deadlines, the notifications and the stage / status.
"""
import pytest

from engine import runtime, workcalendar
from engine.errors import Forbidden

from .driver import (PANEL, Project, accept, actor, confirm_route, contract, day_end, declare, establish,
                     finish_acceptance, joint_acceptance, operate, plan, precheck, report, review, side_reports,
                     utc_naive)

DEPT = "dept:gaj"
PREPARATION = [("task_project_preparation", DEPT), ("task_internal_review", DEPT)]
DECLARATION = [("task_declaration", DEPT), ("task_precheck", "sgj")]
REVIEW = [("task_panel_select", "sgj"), ("task_fgw_review", "fgw"), ("task_czj_review", "czj"),
          ("task_expert_opinion", "user:expert1"), ("task_expert_opinion", "user:expert2"),
          ("task_expert_opinion", "user:expert3"),
          ("task_expert_review", "sgj")]
UNIFIED = [("task_government_report", "szf"), ("task_finalization", DEPT), ("task_route_confirmation", "sgj"),
           ("task_unified_application", "sgj"), ("task_fgw_confirmation", "fgw"), ("task_establishment_approval", "fgw"),
           ("task_annual_plan", "sgj")]
IMPLEMENTATION = [("task_kickoff", DEPT), ("task_procurement", "sgj"), ("task_procurement_review", "czj"),
                  ("task_tender_requirements", DEPT), ("task_tender", "ggj"), ("task_contract", "sgj"),
                  ("task_contract_dept", DEPT), ("task_contract_ggj", "ggj")]
SIDE = [("task_supervision", "sgj"), ("task_mlps_filing", "sgj"), ("task_mlps_test", "sgj"),
        ("task_third_party_test", "sgj")]
FINAL_ACCEPTANCE = [("task_acceptance_panel_select", "sgj"), ("task_final_acceptance_czj", "czj"),
                    ("task_final_acceptance_ggj", "ggj"), ("task_acceptance_expert_opinion", "user:expert1"),
                    ("task_acceptance_expert_opinion", "user:expert2"),
                    ("task_acceptance_expert_opinion", "user:expert3"), ("task_final_acceptance", "sgj")]
ACCEPTANCE = ([("task_initial_acceptance", DEPT), ("task_final_application", DEPT)] + FINAL_ACCEPTANCE
              + [("task_settlement", DEPT), ("task_audit", "sjj"), ("task_asset_registration", "sgj")])
LANES = {DEPT: "项目建设主管部门", "sgj": "市数管局", "fgw": "市发改委", "czj": "市财政局", "ggj": "市公管局",
         "sjj": "市审计局", "szf": "市政府", "expert": "专家", "user:expert1": "专家", "user:expert2": "专家",
         "user:expert3": "专家"}
OPERATION = [("task_ops_management", DEPT), ("task_ops_funding", DEPT), ("task_ops_funding_finance", "czj"),
             ("task_ops_funding_review", "sgj"), ("task_performance_evaluation", "sgj"), ("task_ops_funding", DEPT),
             ("task_ops_funding_finance", "czj"), ("task_ops_funding_review", "sgj")]


def walked(p):
    return [(bpmn_id, group) for bpmn_id, group, _ in p.trail]


def due(p, bpmn_id):
    return p.task(bpmn_id).due_at


def build(p, year=2026):
    """谋划 → 申报 → 实施 up to the signed contract, the unified route (设备购买类, 500万)."""
    plan(p, year)
    declare(p, year)
    precheck(p, year)
    review(p, year)
    establish(p, year)
    contract(p, year)


def construct(p):
    """Two monthly 进度表 (2026-03, 2026-04) after a contract of 2026-03-10, the second one says complete."""
    side_reports(p)
    report(p, "2026-03", at="2026-03-18", percent=40, last_percent=0)
    p.fire("2026-04-01")
    report(p, "2026-04", at="2026-04-15", percent=100, last_percent=40, complete=True)


# ---------------------------------------------------------------------- 1

def test_1_equipment_purchase_500_unified_to_the_end(real_model):
    p = Project(build_year=2026, at="2025-03-02")
    assert (p.instance.stage, p.instance.status) == ("谋划", "running")
    plan(p, 2026)
    assert p.instance.stage == "申报"
    # 申报表: due 2025-06-30 24:00 (the year before build_year), reminded 5 working days before
    assert due(p, "task_declaration") == day_end("2025-06-30")
    assert p.fire("2025-06-22") == 0
    assert p.fire("2025-06-23") == 1  # Monday 06-23 = 5 working days before Monday 06-30
    [note] = p.notes()
    assert (note.group_code, note.kind, note.task_bpmn_id) == (DEPT, "reminder", "script_declaration_remind_5wd")
    declare(p, 2026, at="2025-06-25")
    # the 1-day and overdue timers went with the task; next is the round's 预审 opening on 7月1日
    assert p.instance.next_timer_at == utc_naive("2025-07-01T00:00")
    assert p.open() == []
    precheck(p, 2026)
    assert p.open() == ["task_panel_select"]  # 市数管局 picks the 论证 panel first
    review(p, 2026)
    establish(p, 2026)
    assert p.instance.variables["establishment_route"] == "unified"
    assert p.instance.stage == "实施"
    contract(p, 2026)
    # construction: the monthly cycle runs in its own instances while the lifecycle waits
    assert "construction_complete" in p.instance.waiting_messages
    assert len(p.instances("progress_report")) == 1
    assert due(p, "task_progress_report") == day_end("2026-03-20")
    construct(p)
    # 建设完成 moved the project to 验收; the month that said so still waits for the next 1st (进度表 until 竣工验收)
    assert [i.status for i in p.instances("progress_report")] == ["completed", "running"]
    assert p.instance.stage == "验收"
    for month in ("2026-05", "2026-06", "2026-07", "2026-08", "2026-09"):
        p.fire(month + "-01")
        report(p, month, at=month + "-10", percent=100, last_percent=100, complete=True)
    p.complete("task_initial_acceptance", "dept", at="2026-09-11", initial_acceptance_date="2026-09-11")
    p.complete("task_final_application", "dept", at="2026-09-25", application_date="2026-09-25",
               initial_acceptance_date="2026-09-11")
    p.fire("2026-10-01")
    report(p, "2026-10", at="2026-10-10", percent=100, last_percent=100, complete=True)
    finish_acceptance(p, "2026-10-20")
    # 竣工验收 passed on 10-20: October's instance, waiting for 11-01, ended; no month opens after it
    assert {i.status for i in p.instances("progress_report")} == {"completed"}
    assert len(p.instances("progress_report")) == 8
    assert p.instance.stage == "运维"
    p.complete("task_ops_management", "dept", at="2027-01-05")
    assert p.open() == []
    assert p.instance.stage == "运维"
    # 24 months of free warranty after 竣工验收 on 2026-10-20: 运维 years 2028 and 2029, 2028 evaluated
    operate(p, "2028-10-20", years=2)
    p.send("system_retire", {"reason": "业务并入省级平台", "retired_on": "2029-03-01"})

    assert walked(p) == (PREPARATION + DECLARATION + REVIEW + UNIFIED + IMPLEMENTATION + SIDE
                         + [("task_progress_report", DEPT)] * 7 + ACCEPTANCE[:2] + [("task_progress_report", DEPT)]
                         + ACCEPTANCE[2:] + OPERATION)
    assert len(p.instances("progress_report")) == 8  # none opened after 竣工验收 (2026-11 … 2029)
    row = p.instance
    assert (row.status, row.stage) == ("completed", "已结束")
    assert p.reached("end_lifecycle")
    assert p.open() == []
    assert row.next_timer_at is None
    # every task offered was done by its lane's group; none was left behind
    assert {t.state for t in p.tasks()} == {"completed"}
    assert all(LANES[t.group_code] == t.lane for t in p.tasks())
    stages = {t.bpmn_id: t.stage for t in p.tasks()}
    assert [stages[b] for b in ("task_internal_review", "task_declaration", "task_annual_plan", "task_kickoff",
                                "task_progress_report", "task_initial_acceptance", "task_asset_registration",
                                "task_ops_funding", "task_performance_evaluation")] == \
        ["谋划", "申报", "申报", "实施", "实施", "验收", "验收", "运维", "运维"]
    # the audit report went in copy to 发改委, 财政局, 数管局
    copies = {n.group_code for n in p.notes() if n.task_bpmn_id == "task_audit"}  # the audit task's postScript
    assert copies == {"fgw", "czj", "sgj"}
    assert not p.notes(kind="supervise")


# ---------------------------------------------------------------------- 2

def test_2_new_build_3000_goes_separately_through_fgw(real_model):
    p = Project(build_year=2026, at="2025-03-02")
    plan(p, 2026)
    declare(p, 2026, category="新建", budget=3000, architecture_simple=False)
    precheck(p, 2026)
    review(p, 2026, budget=3000, approved=2800)
    p.complete("task_government_report", "szf", at="2025-09-01")
    p.complete("task_finalization", "dept", at="2025-09-10", budget_wan=2800, approved_budget_wan=2800,
               architecture_simple=False)
    assert p.instance.variables["establishment_route"] == "separate"
    confirm = p.task("task_route_confirmation")
    assert (confirm.lane, confirm.group_code) == ("市数管局", "sgj")
    confirm_route(p, 2026, "separate")
    separate = p.task("task_separate_application")
    assert (separate.lane, separate.group_code) == ("项目建设主管部门", DEPT)
    p.complete("task_separate_application", "dept", at="2025-09-20", applicant_unit="六安市公安局")
    confirmation = p.task("task_fgw_confirmation")  # 市发改委 明确需要立项的项目 before 立项批复
    assert (confirmation.lane, confirmation.group_code) == ("市发改委", "fgw")
    p.complete("task_fgw_confirmation", "fgw", at="2025-10-10")
    approval = p.task("task_establishment_approval")
    assert (approval.lane, approval.group_code) == ("市发改委", "fgw")
    p.complete("task_establishment_approval", "fgw", at="2025-10-15", budget_wan=2800, approved_amount_wan=2800)
    p.complete("task_annual_plan", "sgj", at="2025-11-01", approved_amount_wan=2800, plan_amount_wan=2800)

    assert walked(p)[-7:] == [("task_government_report", "szf"), ("task_finalization", DEPT),
                              ("task_route_confirmation", "sgj"), ("task_separate_application", DEPT),
                              ("task_fgw_confirmation", "fgw"), ("task_establishment_approval", "fgw"),
                              ("task_annual_plan", "sgj")]
    assert not p.tasks("task_unified_application")
    # listed in the 2026 plan, which 市数管局 has not published yet: nothing to start
    assert p.open() == [] and p.instance.stage == "申报"
    p.publish_plan(2026, at="2025-12-15")
    # published, but 项目启动 opens on 1月1日 of the build year
    assert p.open() == [] and p.instance.stage == "实施"
    p.fire("2025-12-31T23:59")
    assert p.open() == []
    p.fire("2026-01-01T00:00")
    assert p.open() == ["task_kickoff"]


# ---------------------------------------------------------------------- 3

def test_3_precheck_returned_twice_then_passed(real_model):
    p = Project(build_year=2026, at="2025-03-02")
    plan(p, 2026)
    declare(p, 2026)
    precheck(p, 2026, passed=False, at="2025-07-10")
    assert p.task("task_supplement").group_code == DEPT
    p.complete("task_supplement", "dept", at="2025-07-14")
    precheck(p, 2026, passed=False, at="2025-07-20")
    p.complete("task_supplement", "dept", at="2025-07-25")
    precheck(p, 2026, at="2025-08-01")

    assert walked(p)[2:] == [("task_declaration", DEPT), ("task_precheck", "sgj"), ("task_supplement", DEPT),
                             ("task_precheck", "sgj"), ("task_supplement", DEPT), ("task_precheck", "sgj")]
    assert [s.data["precheck_passed"] for s in p.submissions("precheck.schema.json")] == [False, False, True]
    assert p.open() == ["task_panel_select"]
    assert p.instance.variables["precheck_passed"] is True
    assert p.instance.stage == "申报"


# ---------------------------------------------------------------------- 4

def test_4_review_not_passed_ends_not_established_with_the_reason(real_model):
    p = Project(build_year=2026, at="2025-03-02")
    plan(p, 2026)
    declare(p, 2026)
    precheck(p, 2026)
    reason = "建设必要性不足，与市政务服务平台功能重复"
    # the form refuses a rejection without a reason
    p.complete("task_panel_select", "sgj", at="2025-08-01", panel_experts=["expert1", "expert2", "expert3"])
    p.at("2025-08-10")
    p.complete("task_fgw_review", "fgw")
    p.complete("task_czj_review", "czj", reviewer_unit="市财政局")
    for who in PANEL:
        p.complete("task_expert_opinion", who, mine=True, budget_wan=500, suggested_budget_wan=480,
                   recommend_pass=False)
    errors = p.submit_invalid("task_expert_review", "sgj", budget_wan=500, approved_budget_wan=480,
                              review_passed=False, rejection_reason="")
    assert set(errors) == {"rejection_reason"}
    p.complete("task_expert_review", "sgj", at="2025-08-20", budget_wan=500, approved_budget_wan=480,
               review_passed=False, rejection_reason=reason, review_opinion="不同意立项")

    row = p.instance
    assert (row.status, row.stage) == ("completed", "已结束")
    assert row.variables["review_passed"] is False
    assert p.reached("end_rejected") and not p.reached("end_lifecycle")
    assert p.variables()["rejection_reason"] == reason
    [kept] = p.submissions("expert-review.schema.json")
    assert kept.data["rejection_reason"] == reason
    assert p.open() == [] and not p.tasks("task_government_report")


# ---------------------------------------------------------------------- 5

def test_5_late_declaration_is_flagged_and_goes_to_next_years_round(real_model):
    p = Project(build_year=2026, at="2025-03-02")
    plan(p, 2026)
    assert due(p, "task_declaration") == day_end("2025-06-30")
    p.fire("2025-06-23")
    p.fire("2025-06-30")  # 00:00 of the last day: the second reminder
    assert [n.task_bpmn_id for n in p.notes(kind="reminder")] == ["script_declaration_remind_5wd",
                                                                  "script_declaration_remind_1d"]
    assert not p.notes(kind="supervise")
    p.fire("2025-07-01")  # 24:00 passed: overdue to the department, 督办 to 数管局
    [supervise] = p.notes(kind="supervise")
    assert (supervise.group_code, supervise.task_bpmn_id) == ("sgj", "script_declaration_supervise")
    assert p.task("task_declaration").overdue

    declare(p, 2026, at="2025-07-05")  # the department still declares for 2026: too late
    data = p.variables()
    assert data["declaration_late"] is True
    assert p.instance.variables["build_year"] == 2027
    told = p.notes(kind="overdue")[-1]
    assert (told.group_code, told.task_bpmn_id) == ("dept:gaj", "script_declaration_late")
    assert "转入 2027 年度申报轮次" in told.message and "2026-07-01" in told.message
    # it is reviewed in the 2027 round's window, not in this one: nothing to do until 2026-07-01
    assert p.open() == []
    p.fire("2025-07-06")
    p.fire("2025-09-30")
    assert p.open() == []
    assert p.instance.next_timer_at == utc_naive("2026-07-01T00:00")
    p.fire("2026-06-30T23:59")
    assert p.open() == []
    p.fire("2026-07-01T00:00")
    assert p.open() == ["task_precheck"]
    assert due(p, "task_precheck") == day_end("2026-09-30")
    assert p.instance.stage == "申报"
    precheck(p, 2027, at="2026-07-10")
    assert due(p, "task_panel_select") == day_end("2026-09-30")
    p.complete("task_panel_select", "sgj", at="2026-07-20", panel_experts=["expert1", "expert2", "expert3"])
    p.at("2026-08-10")
    assert sorted((t.bpmn_id, t.due_at) for t in p.open_tasks()) == sorted(
        [(b, day_end("2026-09-30")) for b in ("task_fgw_review", "task_czj_review")]
        + [("task_expert_opinion", day_end("2026-09-30"))] * 3)
    assert [t for t, _ in walked(p)].count("task_declaration") == 1
    assert len(p.notes(kind="supervise")) == 1


def test_5b_on_time_declaration_waits_for_the_window_and_may_be_reopened(real_model):
    """Filed in May, the declaration waits for 7月1日; before then the department may take it back and
    correct it (message declaration_reopen); nothing of the round can be done before 7月1日."""
    p = Project(build_year=2026, at="2025-03-02")
    plan(p, 2026)
    declare(p, 2026, at="2025-05-20")
    assert p.open() == [] and p.variables()["declaration_late"] is False
    p.fire("2025-06-01")
    assert p.open() == []
    p.send("declaration_reopen", {})
    assert p.open() == ["task_declaration"]
    assert due(p, "task_declaration") == day_end("2025-06-30")
    declare(p, 2026, at="2025-06-10", budget=450)
    assert p.open() == []
    assert p.instance.variables["build_year"] == 2026
    p.fire("2025-07-01T00:00")
    assert p.open() == ["task_precheck"]
    assert due(p, "task_precheck") == day_end("2025-09-30")
    assert p.instance.variables["budget_wan"] == 450


# ---------------------------------------------------------------------- 7

def monthly(p, *months, day="10"):
    """After 建设完成 the 进度表 go on: each month opens on the 1st and is reported (still 建设完成) by `day`."""
    for month in months:
        p.fire(month + "-01")
        report(p, month, at=f"{month}-{day}", percent=100, last_percent=100, complete=True)


def test_7_acceptance_initial_fails_application_late_final_fails_then_passes(real_model):
    p = Project(build_year=2026, at="2025-03-02")
    build(p)
    construct(p)
    monthly(p, "2026-05", "2026-06", "2026-07", "2026-08")
    p.complete("task_initial_acceptance", "dept", at="2026-08-20", initial_acceptance_date="2026-08-20",
               initial_acceptance_passed=False, issues="统一身份认证未对接")
    p.complete("task_initial_rectification", "dept", at="2026-08-28", rectification_date="2026-08-28")
    p.fire("2026-09-01")
    p.complete("task_initial_acceptance", "dept", at="2026-09-01", initial_acceptance_date="2026-09-01")
    report(p, "2026-09", at="2026-09-10", percent=100, last_percent=100, complete=True)
    # one month after 09-01 is 10-01, 国庆: the deadline moves to the next working day, 10-08
    application = p.task("task_final_application")
    assert application.due_at == day_end("2026-10-08")
    assert p.fire("2026-09-22") == 0
    p.fire("2026-09-23")  # 5 working days before 10-08 (国庆 and the weekend do not count)
    p.fire("2026-10-08")  # the last day (October's 进度表 opened on 10-01)
    assert [n.task_bpmn_id for n in p.notes(kind="reminder")] == ["script_application_remind_5wd",
                                                                  "script_application_remind_1d"]
    assert not p.notes(kind="supervise")
    p.fire("2026-10-09")
    [supervise] = p.notes(kind="supervise")
    assert (supervise.group_code, supervise.task_bpmn_id) == ("sgj", "script_application_supervise")
    [overdue] = p.notes(kind="overdue")
    assert overdue.group_code == DEPT
    assert p.task("task_final_application").overdue
    report(p, "2026-10", at="2026-10-12", percent=100, last_percent=100, complete=True)
    p.complete("task_final_application", "dept", at="2026-10-12", application_date="2026-10-12",
               initial_acceptance_date="2026-09-01")
    # 竣工验收: 市数管局 first picks the panel, then experts, 市财政局 and 市公管局 in parallel (test_acceptance_panel)
    assert p.open() == ["task_acceptance_panel_select"]
    joint_acceptance(p, "2026-10-20")
    p.complete("task_final_acceptance", "sgj", at="2026-10-20", final_acceptance_date="2026-10-20",
               final_acceptance_passed=False, rectification_opinion="性能测试未达标")
    assert len([r for r in p.instances("progress_report") if r.status == "running"]) == 1  # not passed: 进度表 go on
    p.fire("2026-11-01")
    p.complete("task_final_rectification", "dept", at="2026-11-02", rectification_date="2026-11-02")
    report(p, "2026-11", at="2026-11-05", percent=100, last_percent=100, complete=True)
    # re-application: one month from the rectification
    assert due(p, "task_final_application") == day_end("2026-12-02")
    p.complete("task_final_application", "dept", at="2026-11-10", application_date="2026-11-10",
               initial_acceptance_date="2026-09-01")
    finish_acceptance(p, "2026-11-16")

    steps = [t for t, _ in walked(p) if t not in ("task_progress_report", "task_acceptance_expert_opinion")]
    assert steps[-17:] == [
        "task_initial_acceptance", "task_initial_rectification", "task_initial_acceptance",
        "task_final_application", "task_acceptance_panel_select", "task_final_acceptance_czj",
        "task_final_acceptance_ggj", "task_final_acceptance", "task_final_rectification", "task_final_application",
        "task_acceptance_panel_select", "task_final_acceptance_czj", "task_final_acceptance_ggj",
        "task_final_acceptance", "task_settlement", "task_audit", "task_asset_registration"]
    assert [s.data["final_acceptance_passed"] for s in p.submissions("final-acceptance.schema.json")] == [False, True]
    assert len(p.notes(kind="supervise")) == 1  # the on-time re-application raised none
    assert p.instance.stage == "运维"
    assert p.open() == ["task_ops_management"]
    # 进度表 from 2026-03 to 2026-11, the month 竣工验收 passed; none after
    p.fire("2026-12-02")
    assert sorted(p.variables(r.id)["cycle"]["report_month"] for r in p.instances("progress_report")) == [
        f"2026-{m:02d}" for m in range(3, 12)]
    assert {r.status for r in p.instances("progress_report")} == {"completed"}


# ---------------------------------------------------------------------- 8

def test_8_operation_runs_year_after_year_until_the_department_retires_the_system(real_model):
    p = Project(build_year=2026, at="2025-03-02")
    build(p)
    contract_row = p.submissions("contract.schema.json")[-1]
    assert contract_row.data["warranty_months"] == 24
    construct(p)
    accept(p, initial="2026-07-01", applied="2026-07-20", accepted="2026-08-31")
    p.complete("task_ops_management", "dept", at="2026-12-10")
    # 24 months after 2026-08-31: 2028-08-31, 00:00 Beijing
    assert p.instance.next_timer_at.isoformat() == "2028-08-30T16:00:00"
    p.fire("2028-08-30T23:59")  # (fires the city's 2026 plan instance, done at the end of 2026, not this one)
    assert p.open() == [] and p.instance.next_timer_at.isoformat() == "2028-08-30T16:00:00"
    assert p.fire("2028-08-31T00:01") == 1
    funding = p.task("task_ops_funding")
    assert (funding.group_code, funding.stage) == (DEPT, "运维")
    # the year is the workflow's: what a client sends for the read-only 经费年度 does not count
    p.complete("task_ops_funding", "dept", at="2028-09-05", request_year=2035, ops_amount_wan=60)
    assert p.submissions("ops-funding.schema.json")[-1].data["request_year"] == 2028
    # 市财政局 gives its own opinion first (a joint duty, not a field typed by 市数管局)
    finance = p.task("task_ops_funding_finance")
    assert finance.group_code == "czj"
    p.complete("task_ops_funding_finance", "czj", at="2028-09-10", finance_opinion="资金可在年度预算内安排")
    review = p.task("task_ops_funding_review")
    assert review.group_code == "sgj"
    # the first 运维 year has no 绩效 yet: the review shows none, and a cut needs a reason
    assert "last_evaluation_score" not in p.variables()
    errors = p.submit_invalid("task_ops_funding_review", "sgj", ops_amount_wan=60, ops_funding_decision="核减",
                              ops_approved_wan=50, review_opinion="")
    assert "review_opinion" in errors
    # the 市财政局 opinion on the review is the one given, whatever the client sends
    p.complete("task_ops_funding_review", "sgj", at="2028-09-20", ops_approved_wan=60, finance_opinion="伪造意见")
    assert p.submissions("ops-funding-review.schema.json")[-1].data["finance_opinion"] == "资金可在年度预算内安排"
    # nothing until 12月1日, when the year's 绩效评估 opens, due 12月31日
    assert p.open() == [] and p.instance.next_timer_at.isoformat() == "2028-11-30T16:00:00"
    assert "system_retire" in p.instance.waiting_messages
    p.fire("2028-12-01T00:01")
    evaluation = p.task("task_performance_evaluation")
    assert evaluation.group_code == "sgj" and evaluation.due_at == day_end("2028-12-31")
    p.complete("task_performance_evaluation", "sgj", at="2028-12-15", evaluation_date="2028-12-15")
    # the next year's 运维经费 follows at once; its review shows the 绩效 just given
    assert p.open() == ["task_ops_funding"]
    assert "system_retire" not in p.instance.waiting_messages  # not while a yearly step is open
    p.complete("task_ops_funding", "dept", at="2028-12-20", ops_amount_wan=70)
    p.complete("task_ops_funding_finance", "czj", at="2028-12-25", finance_opinion="建议参考绩效核减")
    data = p.variables()
    assert (data["request_year"], data["last_evaluation_year"], data["last_evaluation_grade"]) == (2029, 2028, "良")
    assert data["last_evaluation_score"] == 87.15
    p.complete("task_ops_funding_review", "sgj", at="2029-01-05", ops_amount_wan=70, ops_funding_decision="核减",
               ops_approved_wan=55, review_opinion="参考2028年度绩效，核减")
    assert [s.data["ops_approved_wan"] for s in p.submissions("ops-funding-review.schema.json")] == [60, 55]
    assert p.instance.next_timer_at.isoformat() == "2029-11-30T16:00:00"
    assert p.instance.status == "running" and p.instance.stage == "运维"
    p.send("system_retire", {"reason": "业务并入省级平台", "retired_on": "2029-03-01"})
    row = p.instance
    assert (row.status, row.stage) == ("completed", "已结束")
    assert row.ended_at is not None and row.next_timer_at is None
    assert p.reached("end_operation") and p.reached("end_lifecycle")
    assert [t for t, _ in walked(p)][-8:] == ["task_ops_management", "task_ops_funding", "task_ops_funding_finance",
                                              "task_ops_funding_review", "task_performance_evaluation",
                                              "task_ops_funding", "task_ops_funding_finance", "task_ops_funding_review"]
    # the civil-code month: 2026-08-31 + 6 months would be 2027-02-28
    assert workcalendar.add_months("2026-08-31", 6) == "2027-02-28"
