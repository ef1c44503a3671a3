"""The yearly 监理 / 等保测评 / 第三方测评 units and the tests that must pass before 竣工验收 (notice 三、(二)).

市数管局 selects the units of a build year in the city-level process `city_service_units` (one instance per build
year, started with the year's 年度建设计划); a project asks for its year's units after the contract and waits
until they are selected; its 项目监理, 等保定级备案 and 第三方测评 choose one of them from the list. A failed
等保测评 or 第三方测评 goes back to the department for 整改 and is tested again: 验收 starts only after both pass.
"""
from SpiffWorkflow.util.task import TaskState

from engine import runtime
from engine.models import Instance

from .driver import (UNITS, Project, city_instances, contract, declare, establish, plan, precheck, report, review,
                     select_units)
from .test_yearly_rhythm import Jyj


def build_to_contract(p, year=2026, **kwargs):
    to_plan(p, year)
    contract(p, year, **kwargs)


def test_units_of_the_year_are_selected_by_tender_and_assigned_from_the_list(real_model):
    a = Project(1, name="警务数据共享平台", build_year=2026, at="2025-03-02")
    b = Jyj(2, name="教育资源公共服务平台", build_year=2026, at="2025-03-02")
    to_plan(a)
    # the year's selection started with the plan: one city instance of 2026, three 招标选定 tasks for 市数管局
    [units] = city_instances("city_service_units")
    assert (units.project_id, units.owner_group, units.variables["build_year"]) == (None, "sgj", 2026)
    to_plan(b)
    assert len(city_instances("city_service_units")) == 1  # one per build year, whoever comes first
    contract(a, 2026)
    # the contract is signed, the units are not yet selected: the project waits, construction goes on
    assert a.open() == ["task_progress_report"]
    assert "service_units_ready" in a.instance.waiting_messages and a.instance.stage == "实施"
    waits = [t.task_spec.bpmn_name for t in runtime._workflow(a.instance).get_tasks(state=TaskState.WAITING)
             if t.task_spec.bpmn_id == "catch_units_ready"]
    assert waits == ["等待本年度服务单位选定"]
    # 市数管局 selects 2–3 units per kind: the waiting project is told at once
    assert select_units(2026, "2026-03-20") == ["task_units_supervision", "task_units_mlps", "task_units_third_party"]
    a.at("2026-03-20")
    assert {"task_supervision", "task_mlps_filing", "task_third_party_test"} <= set(a.open())
    # a unit that is not among the year's selection (or of another kind) is refused by the server
    assert "supervision_unit" in a.submit_invalid("task_supervision", "sgj", supervision_unit="某工程监理公司")
    assert "supervision_unit" in a.submit_invalid("task_supervision", "sgj", supervision_unit=UNITS["等保测评"][0])
    assert "test_unit" in a.submit_invalid("task_third_party_test", "sgj", test_unit=UNITS["监理"][1])
    assert "mlps_test_unit" in a.submit_invalid("task_mlps_filing", "sgj", mlps_test_unit="")
    a.complete("task_supervision", "sgj", supervision_unit=UNITS["监理"][1])
    a.complete("task_mlps_filing", "sgj", mlps_test_unit=UNITS["等保测评"][1])
    # the 等保测评 is done by the unit the filing assigned; the browser cannot change it
    a.complete("task_mlps_test", "sgj", mlps_test_unit=UNITS["等保测评"][0])
    assert a.submissions("mlps-test.schema.json")[-1].data["mlps_test_unit"] == UNITS["等保测评"][1]

    # a second project of the same year, contracted after the selection: answered at once, no new selection
    contract(b, 2026, signed="2026-04-08")
    assert {"task_supervision", "task_mlps_filing", "task_third_party_test"} <= set(b.open())
    assert len(city_instances("city_service_units")) == 1
    assert select_units(2026, "2026-04-08") == []  # nothing left to select


def to_plan(p, year=2026):
    plan(p, year)
    declare(p, year)
    precheck(p, year)
    review(p, year)
    establish(p, year)


def test_a_failed_test_blocks_acceptance_until_rectified_and_retested(real_model):
    p = Project(1, name="警务数据共享平台", build_year=2026, at="2025-03-02")
    build_to_contract(p)
    select_units(2026, "2026-03-11")
    p.complete("task_supervision", "sgj", at="2026-03-12", supervision_unit=UNITS["监理"][0])
    p.complete("task_mlps_filing", "sgj", mlps_test_unit=UNITS["等保测评"][0])
    report(p, "2026-03", at="2026-03-18", percent=60, last_percent=0)
    p.fire("2026-04-01")
    report(p, "2026-04", at="2026-04-15", percent=100, last_percent=60, complete=True)
    # construction is complete, but both tests fail
    p.complete("task_mlps_test", "sgj", at="2026-04-20", mlps_score=55, mlps_conclusion="差",
               issues="访问控制策略缺失，日志留存不足6个月")
    p.complete("task_third_party_test", "sgj", at="2026-04-21", test_unit=UNITS["第三方测评"][0],
               conclusion="不通过", issues="并发性能不达标")
    assert sorted(p.open()) == ["task_mlps_rectification", "task_test_rectification"]
    assert p.task("task_mlps_rectification").group_code == "dept:gaj"
    assert p.instance.stage == "实施" and "task_initial_acceptance" not in p.open()
    # 第三方测评: rectified, retested, passes; 等保: rectified, retested, fails again, rectified, passes
    p.complete("task_test_rectification", "dept", at="2026-05-06", rectified_on="2026-05-06")
    p.complete("task_third_party_test", "sgj", at="2026-05-12", test_unit=UNITS["第三方测评"][1], conclusion="通过",
               issues="")
    assert p.open() == ["task_mlps_rectification"]
    p.fire("2026-08-01")  # months pass: nothing opens 验收 while the 等保测评 has not passed
    # (the monthly 进度表 go on, from 项目启动 until 竣工验收 passes)
    assert [t for t in p.open() if t != "task_progress_report"] == ["task_mlps_rectification"]
    assert p.instance.stage == "实施"
    p.complete("task_mlps_rectification", "dept", at="2026-08-03", rectified_on="2026-08-03")
    p.complete("task_mlps_test", "sgj", at="2026-08-10", mlps_score=65, mlps_conclusion="差", issues="仍有高危漏洞")
    p.complete("task_mlps_rectification", "dept", at="2026-08-20", rectified_on="2026-08-20")
    assert "task_initial_acceptance" not in p.open()
    p.complete("task_mlps_test", "sgj", at="2026-08-28", mlps_score=82, mlps_conclusion="良", issues="")
    # both passed: 验收 begins
    assert [t for t in p.open() if t != "task_progress_report"] == ["task_initial_acceptance"]
    assert p.instance.stage == "验收"
    done = [b for b, _, _ in p.trail]
    assert done.count("task_mlps_test") == 3 and done.count("task_third_party_test") == 2
    assert p.variables()["mlps_test_passed"] is True and p.variables()["third_party_test_passed"] is True


def test_yearly_settlement_by_workload_and_the_end_of_the_service(real_model):
    p = Project(1, name="警务数据共享平台", build_year=2026, at="2025-03-02")
    build_to_contract(p)
    select_units(2026, "2026-03-11")
    [units] = city_instances("city_service_units")
    assert "service_units_request" in units.waiting_messages
    p.fire("2026-12-31T23:00")
    assert _city_open(units.id) == []
    p.fire("2027-01-01T00:00")  # 12月31日 24:00: the year's fees are settled by the work done
    [settle] = _city_open(units.id)
    assert (settle.bpmn_id, settle.group_code) == ("task_units_settlement", "sgj")
    fees = [{"service_kind": "监理", "unit_name": UNITS["监理"][0], "projects_served": 1, "fee_wan": 8}]
    refused = _complete_city(settle, "2027-01-05", fees=fees, total_fee_wan=99, all_served=False, expect_error=True)
    assert "total_fee_wan" in refused
    _complete_city(settle, "2027-01-05", fees=fees, total_fee_wan=8, all_served=False)
    # not all served: the instance keeps answering projects and settles again at the end of 2027
    row = _row(units.id)
    assert row.status == "running" and "service_units_request" in row.waiting_messages
    p.fire("2028-01-01T00:00")
    [again] = _city_open(units.id)
    _complete_city(again, "2028-01-04", fees=fees, total_fee_wan=8, all_served=True)
    assert _row(units.id).status == "completed"


def test_each_build_year_has_its_own_selection(real_model):
    a = Project(1, name="警务数据共享平台", build_year=2026, at="2025-03-02")
    build_to_contract(a)
    select_units(2026, "2026-03-11")
    b = Jyj(2, name="教育资源公共服务平台", build_year=2027, at="2026-03-02")
    to_plan(b, 2027)
    assert sorted(i.variables["build_year"] for i in city_instances("city_service_units")) == [2026, 2027]
    contract(b, 2027)
    # 2026's units are selected, 2027's are not: the 2027 project waits for its own year
    assert b.open() == ["task_progress_report"] and "service_units_ready" in b.instance.waiting_messages
    units_2027 = {kind: [f"{name}（2027）" for name in names] for kind, names in UNITS.items()}
    select_units(2027, "2027-03-15", units=units_2027)
    b.at("2027-03-15")
    assert "supervision_unit" in b.submit_invalid("task_supervision", "sgj", supervision_unit=UNITS["监理"][0])
    b.complete("task_supervision", "sgj", supervision_unit=units_2027["监理"][0])
    assert b.submissions("supervision.schema.json")[-1].data["supervision_unit"] == units_2027["监理"][0]


def _row(instance_id):
    from engine.db import db

    db.session.expire_all()
    return db.session.get(Instance, instance_id)


def _city_open(instance_id):
    from engine.db import db
    from engine.models import TaskIndex

    db.session.expire_all()
    return db.session.execute(db.select(TaskIndex).filter_by(instance_id=instance_id, state="ready")).scalars().all()


def _complete_city(task, at, expect_error=False, **overrides):
    import time_machine

    from engine.db import db
    from engine.errors import Invalid

    from .driver import actor, example, instant

    data = {**example(task.form), **overrides}
    with time_machine.travel(instant(at), tick=False):
        try:
            runtime.complete_task(task.id, data, actor("sgj"))
        except Invalid as exc:
            assert expect_error, exc.fields
            db.session.expire_all()
            return exc.fields
    assert not expect_error
    db.session.expire_all()
    return None
