"""竣工验收 as the notice names it (四、1): 市数管局 会同市财政局、市公管局组织专家进行竣工验收. 市数管局 picks a
panel of at least three experts from the expert pool; each expert works a task of their own, in parallel
with 市财政局 and 市公管局, never seeing another expert's opinion; the 验收意见 lists them all. Then (四、2–4)
经费结算 follows at once with the 决算审计 alongside, and 资产登记 waits for both."""
import pytest

from engine import runtime
from engine.errors import Forbidden

from .driver import ACTORS, PANEL, Project, actor, expert_pool, report
from .test_monthly_reports import under_construction

OPINIONS = {"expert": (True, "功能完整，同意通过验收"), "expert2": (True, "文档齐全，同意通过"),
            "expert3": (False, "性能测试报告缺少并发指标，需补测后再验收")}


def in_acceptance():
    p = Project(build_year=2024, at="2023-03-02")
    under_construction(p)
    report(p, "2024-01", at="2024-01-19", percent=100, last_percent=0, complete=True)
    p.complete("task_initial_acceptance", "dept", at="2024-01-22", initial_acceptance_date="2024-01-22")
    p.complete("task_final_application", "dept", at="2024-01-25", application_date="2024-01-25",
               initial_acceptance_date="2024-01-22")
    expert_pool()
    return p


def test_a_panel_of_three_gives_opinions_in_parallel_each_on_their_own_task(real_model):
    p = in_acceptance()
    assert p.open() == ["task_acceptance_panel_select"]
    assert p.task("task_acceptance_panel_select").group_code == "sgj"
    fewer = p.submit_invalid("task_acceptance_panel_select", "sgj", acceptance_experts=["expert1", "expert2"])
    assert "acceptance_experts" in fewer  # at least three
    twice = p.submit_invalid("task_acceptance_panel_select", "sgj",
                             acceptance_experts=["expert1", "expert2", "expert1"])
    assert "acceptance_experts" in twice
    outsider = p.submit_invalid("task_acceptance_panel_select", "sgj",
                                acceptance_experts=["expert1", "expert2", "sgj"])
    assert any(k.startswith("acceptance_experts") for k in outsider)  # not in the expert pool
    p.complete("task_acceptance_panel_select", "sgj", at="2024-02-01",
               acceptance_experts=["expert1", "expert2", "expert3"])

    # one task per expert, designated to them, in parallel with 市财政局 and 市公管局
    opinions = [t for t in p.open_tasks() if t.bpmn_id == "task_acceptance_expert_opinion"]
    assert sorted((t.group_code, t.assignee, t.lane) for t in opinions) == [
        (f"user:expert{n}", f"expert{n}", "专家") for n in (1, 2, 3)]
    assert sorted(p.open()) == (["task_acceptance_expert_opinion"] * 3
                                + ["task_final_acceptance_czj", "task_final_acceptance_ggj"])
    with p._travel(), pytest.raises(Forbidden):  # an expert may not work a colleague's task
        runtime.complete_task(p.task("task_acceptance_expert_opinion", assignee="expert2").id,
                              {"expert_name": "x", "expert_organization": "x", "recommend_pass": True,
                               "opinion": "同意"}, actor("expert"))
    with p._travel(), pytest.raises(Forbidden):  # 市公管局 may not give 市财政局's opinion
        runtime.complete_task(p.task("task_final_acceptance_czj").id, {"agree": True, "opinion": "同意"},
                              actor("ggj"))
    p.complete("task_final_acceptance_czj", "czj", at="2024-02-05")
    for who in PANEL:
        mine = p.task("task_acceptance_expert_opinion", assignee=ACTORS[who][0])
        start = runtime.task_data(mine.id)  # what this expert's form starts from
        seen = [v for v in start.values() if isinstance(v, list) and any(isinstance(i, dict) for i in v)]
        assert not any("opinion" in i for v in seen for i in v if isinstance(i, dict)), seen
        assert not any(text in repr(start) for _, text in OPINIONS.values())
        passed, text = OPINIONS[who]
        p.complete("task_acceptance_expert_opinion", who, at="2024-02-06", mine=True, expert_name=ACTORS[who][0],
                   recommend_pass=passed, opinion=text)
    assert p.open().count("task_final_acceptance") == 0  # 市公管局 still to give its opinion
    p.complete("task_final_acceptance_ggj", "ggj", at="2024-02-07")

    # the 验收意见 lists every expert's opinion (from the workflow, whatever is typed) and counts them
    final = p.task("task_final_acceptance")
    data = runtime.task_data(final.id)
    assert [(o["name"], o["passed"]) for o in data["expert_opinions"]] == [
        ("expert1", True), ("expert2", True), ("expert3", False)]
    assert (data["panel_size"], data["experts_for_pass"]) == (3, 2)
    forged = [{"name": "假专家", "organization": "x", "passed": True, "opinion": "同意"}] * 3
    p.complete("task_final_acceptance", "sgj", at="2024-02-10", final_acceptance_date="2024-02-10",
               expert_opinions=forged, panel_size=3, experts_for_pass=3)
    [sub] = p.submissions("final-acceptance.schema.json")
    assert [o["name"] for o in sub.data["expert_opinions"]] == ["expert1", "expert2", "expert3"]
    assert sub.data["experts_for_pass"] == 2

    # 经费结算 at once, the 决算审计 alongside; 资产登记 once both are done
    assert sorted((t.bpmn_id, t.group_code) for t in p.open_tasks()) == [
        ("task_audit", "sjj"), ("task_settlement", "dept:gaj")]
    p.complete("task_settlement", "dept", at="2024-02-20", settlement_amount_wan=455)
    assert p.open() == ["task_audit"]
    p.complete("task_audit", "sjj", at="2024-03-15", audited_amount_wan=450)
    assert p.open() == ["task_asset_registration"]


def test_a_failed_acceptance_picks_a_new_panel_next_time(real_model):
    p = in_acceptance()
    p.complete("task_acceptance_panel_select", "sgj", at="2024-02-01",
               acceptance_experts=["expert1", "expert2", "expert3"])
    p.complete("task_final_acceptance_czj", "czj")
    p.complete("task_final_acceptance_ggj", "ggj")
    for who in PANEL:
        p.complete("task_acceptance_expert_opinion", who, mine=True, recommend_pass=False,
                   opinion="接口未按合同完成，需整改后重新验收")
    p.complete("task_final_acceptance", "sgj", at="2024-02-10", final_acceptance_date="2024-02-10",
               final_acceptance_passed=False, rectification_opinion="接口未按合同完成")
    assert p.instances("progress_report")[-1].status == "running"  # not passed: the 进度表 go on
    p.complete("task_final_rectification", "dept", at="2024-02-20", rectification_date="2024-02-20")
    p.complete("task_final_application", "dept", at="2024-02-21", application_date="2024-02-21",
               initial_acceptance_date="2024-01-22")
    p.complete("task_acceptance_panel_select", "sgj", at="2024-02-22",
               acceptance_experts=["expert2", "expert3", "expert4"])
    assert sorted(t.assignee for t in p.open_tasks() if t.bpmn_id == "task_acceptance_expert_opinion") == [
        "expert2", "expert3", "expert4"]
    p.complete("task_final_acceptance_czj", "czj")
    p.complete("task_final_acceptance_ggj", "ggj")
    for name in ("expert2", "expert3", "expert4"):
        task = p.task("task_acceptance_expert_opinion", assignee=name)
        with p._travel():
            runtime.complete_task(task.id, {"expert_name": name, "expert_organization": "省信息中心",
                                            "recommend_pass": True, "opinion": "整改到位，同意通过"},
                                  runtime.Actor(name, frozenset({"expert"})))
    data = runtime.task_data(p.task("task_final_acceptance").id)
    assert [o["name"] for o in data["expert_opinions"]] == ["expert2", "expert3", "expert4"]  # this round's only
    assert (data["panel_size"], data["experts_for_pass"]) == (3, 3)

