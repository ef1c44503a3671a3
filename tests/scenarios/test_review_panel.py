"""专家论证 as a panel (notice 二(二)2): 市数管局 picks at least three experts; each scores on a task of their own,
in parallel with 市发改委 and 市财政局, never seeing another's scores; the 论证意见 shows them averaged."""
import pytest

from engine import runtime
from engine.errors import Forbidden

from .driver import ACTORS, PANEL, Project, actor, declare, expert_pool, plan, precheck

SCORES = {"expert": (90, 80, 70, 60, False), "expert2": (80, 70, 60, 50, True), "expert3": (70, 60, 50, 40, True)}


def test_a_panel_of_three_scores_in_parallel_each_on_their_own_task(real_model):
    p = Project(build_year=2026, at="2025-03-02")
    plan(p, 2026)
    declare(p, 2026)
    precheck(p, 2026)
    # the picker offers the active experts of the pool, each with their specialty
    expert_pool(inactive=("expert5",))
    offered = runtime.form_schema(p.task("task_panel_select"))["properties"]["panel_experts"]["items"]
    assert offered["enum"] == ["expert1", "expert2", "expert3", "expert4"]
    assert offered["x-enum-labels"]["expert3"] == "评审专家 三（数据治理）"
    for picked, field, message in [
            (["expert1", "expert2"], "panel_experts", "论证专家至少需要 3 项"),
            (["expert1", "expert2", "expert1"], "panel_experts", "论证专家不能有重复项"),
            (["expert1", "expert2", "outsider"], "panel_experts.2", "论证专家第 3 项“outsider”不在可选范围内"),
            (["expert1", "expert2", "expert5"], "panel_experts.2", "论证专家第 3 项“expert5”不在可选范围内"),
            ("expert1,expert2,expert3", "panel_experts", "论证专家的类型不正确")]:
        errors = p.submit_invalid("task_panel_select", "sgj", panel_experts=picked)
        assert errors[field].startswith(message), errors
    p.complete("task_panel_select", "sgj", at="2025-08-01", panel_experts=["expert1", "expert2", "expert3"])
    assert runtime.task_data(p.task("task_fgw_review").id)["panel_experts"] == ["expert1", "expert2", "expert3"]
    opinions = [t for t in p.open_tasks() if t.bpmn_id == "task_expert_opinion"]
    assert sorted((t.group_code, t.assignee, t.lane) for t in opinions) == [
        (f"user:expert{n}", f"expert{n}", "专家") for n in (1, 2, 3)]
    assert sorted(p.open()) == ["task_czj_review"] + ["task_expert_opinion"] * 3 + ["task_fgw_review"]
    # an expert may not work a colleague's task
    other = p.task("task_expert_opinion", assignee="expert2")
    with p._travel(), pytest.raises(Forbidden):
        runtime.complete_task(other.id, {}, actor("expert"))
    p.at("2025-08-10")
    for who in PANEL:
        necessity, feasibility, sharing, budget, separate = SCORES[who]
        mine = p.task("task_expert_opinion", assignee=ACTORS[who][0])
        # what the expert's form starts from holds no other expert's scores
        start = runtime.task_data(mine.id)
        assert not any(isinstance(v, dict) and "necessity" in v for v in start.values()), start.get("expert_scores")
        assert not [s for s in start.get("expert_scores") or [] if s], start.get("expert_scores")
        p.complete("task_expert_opinion", who, mine=True, expert_name=ACTORS[who][0], necessity_score=necessity,
                   feasibility_score=feasibility, resource_sharing_score=sharing, budget_reasonableness_score=budget,
                   separate_establishment=separate, budget_wan=500, suggested_budget_wan=480)
    p.complete("task_fgw_review", "fgw")
    p.complete("task_czj_review", "czj", reviewer_unit="市财政局")
    summary = p.task("task_expert_review")
    data = runtime.task_data(summary.id)
    assert [s["expert"] for s in data["expert_scores"]] == ["expert1", "expert2", "expert3"]
    assert (data["necessity_score"], data["feasibility_score"], data["resource_sharing_score"],
            data["budget_reasonableness_score"]) == (80.0, 70.0, 60.0, 50.0)
    assert (data["panel_size"], data["experts_for_separate"]) == (3, 2)
