"""The city's yearly rhythm (notice 一、二): one 申报轮次 per build year and the 年度建设计划 as a city-level process.

Several projects of two departments, the clock moved through the years: declarations on time and late, 预审
only from 7月1日, the plan published by 市数管局 in the city's own instance of the build year, 项目启动 only
after the plan that lists the project is published and the build year began, a project left out waiting.
"""
from engine.models import Instance

from .driver import (Project, city_instances, city_task, confirm_route, day_end, declare, plan, precheck, review)


class Jyj(Project):
    """A project of 市教育局: its department's steps are done by dept_jyj."""

    owner = "dept:jyj"

    def __init__(self, project_id, **kwargs):
        super().__init__(project_id, **kwargs)

    def complete(self, bpmn_id, who, at=None, instance_id=None, **overrides):
        return super().complete(bpmn_id, "other_dept" if who == "dept" else who, at=at, instance_id=instance_id,
                                **overrides)


def to_plan_listing(p, year, *, declared_at=None):
    """谋划 → 申报 → 预审 → 论证 → 立项 → 列入年度建设计划 (waiting for the published plan)."""
    plan(p, year)
    declare(p, year, at=declared_at)
    precheck(p, year)
    review(p, year)
    p.complete("task_government_report", "szf", at=f"{year - 1}-09-01")
    p.complete("task_finalization", "dept", at=f"{year - 1}-09-10",
               budget_wan=480, approved_budget_wan=480)
    confirm_route(p, year, "unified")
    p.complete("task_unified_application", "sgj", at=f"{year - 1}-09-20")
    p.complete("task_fgw_confirmation", "fgw", at=f"{year - 1}-10-10")
    p.complete("task_establishment_approval", "fgw", at=f"{year - 1}-10-15", budget_wan=480,
               approved_amount_wan=480, investment_plan_year=year)
    p.complete("task_annual_plan", "sgj", at=f"{year - 1}-11-01", plan_year=year, approved_amount_wan=480,
               plan_amount_wan=480)


def test_plan_of_a_build_year_is_a_city_process_and_opens_implementation(real_model):
    a = Project(1, name="警务数据共享平台", build_year=2026, at="2025-03-02")
    b = Jyj(2, name="教育资源公共服务平台", build_year=2026, at="2025-03-02")
    to_plan_listing(a, 2026)
    [city] = city_instances()
    assert (city.project_id, city.owner_group, city.variables["build_year"]) == (None, "sgj", 2026)
    publish = city_task("task_plan_publish", 2026)
    assert (publish.group_code, publish.lane, publish.project_id) == ("sgj", "市数管局", None)
    to_plan_listing(b, 2026)
    assert len(city_instances()) == 1  # one plan per build year, whoever comes first
    # the plan is published in December; b is left out for now
    a.publish_plan(2026, at="2025-12-15", excluded_projects="2", exclusion_reason="资金来源未落实")
    assert a.instance.stage == "实施" and a.open() == []
    b.at("2025-12-15")
    assert b.instance.stage == "申报" and b.open() == [] and "plan_published" in b.instance.waiting_messages
    # 项目启动 not before 1月1日 of the build year
    a.fire("2025-12-31T23:00")
    assert a.open() == []
    a.fire("2026-01-01T00:00")
    assert a.open() == ["task_kickoff"]
    assert b.open() == []
    # a project of the same year approved later: the plan is published again for it (补充发布)
    c = Project(3, name="智慧交通信号平台", build_year=2026, at="2025-03-02")
    to_plan_listing(c, 2026)
    c.publish_plan(2026, at="2026-01-10", plan_number="六数管〔2026〕3号", excluded_projects="2",
                   exclusion_reason="资金来源未落实")
    assert c.open() == ["task_kickoff"]  # the build year has begun: 启动 at once
    assert b.open() == [] and b.instance.stage == "申报"
    # b is listed when a later publication no longer leaves it out
    d = Jyj(4, name="智慧校园安全平台", build_year=2026, at="2025-03-02")
    to_plan_listing(d, 2026)
    d.publish_plan(2026, at="2026-02-01", plan_number="六数管〔2026〕9号")
    assert sorted(p.open()[0] for p in (b, d)) == ["task_kickoff", "task_kickoff"]
    # the city's instance ends with its build year
    a.fire("2027-01-01T00:00")
    [city] = city_instances()
    assert city.status == "completed"


def test_rounds_of_three_build_years_with_the_clock_moved(real_model):
    """Two departments, three build years: on time, late (moved to the next round), reviewed only in its
    round's window; each round's 预审 due 9月30日; each year its own plan instance."""
    on_time = Project(1, name="警务数据共享平台", build_year=2026, at="2025-03-02")
    late = Jyj(2, name="教育资源公共服务平台", build_year=2026, at="2025-03-02")
    third = Project(3, name="应急指挥调度平台", build_year=2028, at="2026-03-02")
    plan(on_time, 2026)
    declare(on_time, 2026, at="2025-06-20")
    plan(late, 2026)
    declare(late, 2026, at="2025-07-05")  # after 6月30日: round 2027
    assert late.instance.variables["build_year"] == 2027
    # nothing of a round before its 7月1日
    assert on_time.open() == [] and late.open() == []
    precheck(on_time, 2026)
    late.fire("2025-07-06")
    assert late.open() == []
    review(on_time, 2026)
    # the late one: its round opens on 2026-07-01, due 2026-09-30
    late.fire("2026-07-01T00:00")
    assert late.open() == ["task_precheck"]
    assert late.task("task_precheck").due_at == day_end("2026-09-30")
    precheck(late, 2027, at="2026-07-15")
    # the third project, build year 2028, declared on time in 2027
    plan(third, 2028)
    assert third.task("task_declaration").due_at == day_end("2027-06-30")
    declare(third, 2028, at="2027-06-01")
    assert third.open() == []
    third.fire("2027-07-01T00:00")
    assert third.open() == ["task_precheck"]
    assert third.task("task_precheck").due_at == day_end("2027-09-30")
