"""The 立项 route reads the 论证 (notice 二(二)): the experts' 是否单独立项 first, then the DMN rule of category,
budget (1000万 "原则上"), 需求明确 and 架构简单; 市数管局 may send a project the other way with a recorded reason;
市发改委 明确需要立项的项目 before 立项批复."""
import pytest

from engine.errors import Forbidden

from .driver import PANEL, Project, declare, plan, precheck


def to_route(p, *, budget=500, experts_separate=False, **declaration):
    plan(p, 2026)
    declare(p, 2026, budget=budget, **declaration)
    precheck(p, 2026)
    p.complete("task_panel_select", "sgj", at="2025-08-01", panel_experts=["expert1", "expert2", "expert3"])
    p.at("2025-08-10")
    p.complete("task_fgw_review", "fgw")
    p.complete("task_czj_review", "czj", reviewer_unit="市财政局")
    for who in PANEL:
        p.complete("task_expert_opinion", who, mine=True, budget_wan=budget, suggested_budget_wan=budget,
                   separate_establishment=experts_separate)
    p.complete("task_expert_review", "sgj", at="2025-08-20", budget_wan=budget, approved_budget_wan=budget,
               separate_establishment=experts_separate)
    p.complete("task_government_report", "szf", at="2025-09-01")
    p.complete("task_finalization", "dept", at="2025-09-10", budget_wan=budget, approved_budget_wan=budget)


def test_experts_separate_establishment_overrides_the_budget_rule(real_model):
    """A 500万 equipment purchase would be 统一立项 by budget alone; the experts' 单独立项 sends it separately."""
    p = Project(build_year=2026, at="2025-03-02")
    to_route(p, budget=500, experts_separate=True)
    assert p.instance.variables["establishment_route"] == "separate"
    q = Project(2, build_year=2026, at="2025-03-02")
    to_route(q, budget=500, experts_separate=False)
    assert q.instance.variables["establishment_route"] == "unified"


def test_sgj_may_send_a_project_the_other_way_with_a_reason(real_model):
    p = Project(build_year=2026, at="2025-03-02")
    to_route(p, budget=1050)  # just over 1000万: separate by the rule
    assert p.instance.variables["establishment_route"] == "separate"
    errors = p.submit_invalid("task_route_confirmation", "sgj", route_decision="unified", override_reason=" ")
    assert "理由" in errors["override_reason"]
    with pytest.raises(Forbidden):  # 市数管局's step: the department may not decide its own route
        p.submit_invalid("task_route_confirmation", "dept", route_decision="unified", override_reason="自定")
    p.complete("task_route_confirmation", "sgj", route_decision="unified",
               override_reason="设备购买类，超出部分为三年运维费，原则上可统一立项")
    data = p.variables()
    assert (data["route_by_rule"], data["establishment_route"], data["route_overridden"]) == ("separate", "unified", True)
    assert p.open() == ["task_unified_application"]
    [row] = p.submissions("route-confirmation.schema.json")
    assert row.data["override_reason"].startswith("设备购买类")
    p.complete("task_unified_application", "sgj", at="2025-09-20")
    assert p.open() == ["task_fgw_confirmation"]


def test_the_report_to_the_city_government_is_recorded_without_holding_up_the_flow(real_model):
    """论证意见上报市政府 (notice 二(二)3): 市政府 records the receipt on a step of its own; 定稿 and 立项 go on
    meanwhile, and when 立项 is done an unrecorded receipt closes with it."""
    from .driver import confirm_route

    p = Project(build_year=2026, at="2025-03-02")
    plan(p, 2026)
    declare(p, 2026, budget=500)
    precheck(p, 2026)
    from .driver import review
    review(p, 2026, budget=500, approved=480)
    assert sorted(p.open()) == ["task_finalization", "task_government_report"]
    receipt = p.task("task_government_report")
    assert (receipt.lane, receipt.group_code) == ("市政府", "szf")
    with p._travel(), pytest.raises(Forbidden):
        from engine import runtime
        from .driver import actor
        runtime.complete_task(receipt.id, {}, actor("sgj"))
    p.complete("task_finalization", "dept", at="2025-09-10", budget_wan=480, approved_budget_wan=480)
    confirm_route(p, 2026, "unified")
    p.complete("task_unified_application", "sgj", at="2025-09-20")
    p.complete("task_fgw_confirmation", "fgw", at="2025-10-10")
    p.complete("task_establishment_approval", "fgw", at="2025-10-15", budget_wan=480, approved_amount_wan=480,
               investment_plan_year=2026)
    assert "task_government_report" in p.open()  # still open: 立项 did not wait for it
    p.complete("task_annual_plan", "sgj", at="2025-11-01", plan_year=2026, approved_amount_wan=480,
               plan_amount_wan=480)
    assert "task_government_report" not in p.open() and "task_annual_plan" not in p.open()
    assert p.reached("end_establishment") and not p.reached("end_government_report")
    [closed] = [t for t in p.tasks("task_government_report")]
    assert closed.state == "cancelled"
    p.publish_plan(2026, at="2025-12-15")
    assert (p.instance.status, p.instance.stage) == ("running", "实施")  # the called 立项 returned
