"""A small driver that walks one project through the deployed diagrams, moving the clock.

    p = Project(db, name="...", build_year=2026, at="2025-03-02")
    p.complete("task_project_preparation", "dept")          # as dept_gaj with group dept:gaj
    p.complete("task_precheck", "sgj", at="2025-07-15", precheck_passed=False, ...)
    p.fire("2025-06-23")                                      # timers.run_due at that instant
    p.open()                                                  # bpmn ids of the ready tasks

Every step runs at `p.now` (time_machine.travel, tick=False), so SpiffWorkflow, scripts and the task
index all see the same instant. A bare date means 10:00 Beijing time of that day. Each user task is
completed with its form's `examples[0]` merged with the overrides, through runtime.complete_task, so
the form's schema and x-rules are checked as they are for a real user.
"""
import json
from pathlib import Path
from datetime import datetime

import time_machine

from engine import runtime, timers
from engine.runtime.state import latest_task
from engine.clock import BEIJING
from engine.db import db
from engine.models import Instance, Notification, Submission, TaskIndex

ROOT = Path(__file__).resolve().parents[2]

ACTORS = {
    "dept": ("dept_gaj", "dept:gaj"),
    "other_dept": ("dept_jyj", "dept:jyj"),
    "sgj": ("sgj", "sgj"),
    "fgw": ("fgw", "fgw"),
    "czj": ("czj", "czj"),
    "ggj": ("ggj", "ggj"),
    "sjj": ("sjj", "sjj"),
    "szf": ("szf", "szf"),
    "expert": ("expert1", "expert"),
    "expert2": ("expert2", "expert"),
    "expert3": ("expert3", "expert"),
}
PANEL = ("expert", "expert2", "expert3")  # the driver's 论证专家组: expert1, expert2, expert3


def actor(key):
    username, group = ACTORS[key]
    return runtime.Actor(username, frozenset({group}))


def instant(when):
    """An aware datetime from '2025-03-02' (10:00 Beijing), '2025-03-02T08:30' (Beijing) or a datetime."""
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=BEIJING)
    if len(when) == 10:
        when += "T10:00"
    moment = datetime.fromisoformat(when)
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


def utc_naive(when):
    """How TaskIndex.due_at stores an instant: naive UTC."""
    from engine.clock import as_utc

    return as_utc(instant(when) if not isinstance(when, str) or "T" in when else when).replace(tzinfo=None)


def day_end(day):
    """TaskIndex.due_at of a deadline that falls on `day` (24:00 Beijing), naive UTC."""
    from engine.clock import as_utc

    return as_utc(day).replace(tzinfo=None)


def example(form):
    with open(ROOT / "forms" / form, encoding="utf-8") as fh:
        return json.load(fh)["examples"][0]


def expert_pool(inactive=()):
    """The demo expert pool (expert1…expert5 of group `expert`, with their specialties) the 论证专家组 is picked
    from; `inactive` of them are disabled. Idempotent: tests with the demo users already have them."""
    from webapp.accounts.cli import DEMO_USERS, EXPERT_SPECIALTIES
    from webapp.accounts.models import User

    with runtime.unit_of_work():
        for username, display, _, groups in DEMO_USERS:
            if "expert" not in groups:
                continue
            user = db.session.execute(db.select(User).filter_by(username=username)).scalar()
            if user is None:
                user = User(username=username, display_name=display, password_hash="!",
                            specialty=EXPERT_SPECIALTIES.get(username))
                db.session.add(user)
                db.session.flush()
                user.set_groups(groups)
            user.active = username not in inactive


class Project:
    """One project: its lifecycle instance plus the small instances it spawns (进度表, 资金拨付)."""

    owner = "dept:gaj"

    def __init__(self, project_id=1, *, name="六安市警务数据共享平台", build_year=2026, at="2025-03-02",
                 budget_wan=None):
        self.id = project_id
        self.name = name
        self.now = instant(at)
        self.trail = []  # (bpmn_id, group, due_at) of every task completed, in order
        data = {"project_id": project_id, "project_name": name, "build_year": build_year,
                "department_code": "gaj", "department_name": "六安市公安局"}
        if budget_wan is not None:
            data["budget_wan"] = budget_wan
        expert_pool()
        with self._travel(), runtime.unit_of_work():
            row = runtime.start_instance("lifecycle", project_id=project_id, owner_group=self.owner, data=data)
        self.instance_id = row.id

    # ------------------------------------------------------------------ time

    def _travel(self):
        return time_machine.travel(self.now, tick=False)

    def at(self, when):
        moment = instant(when)
        assert moment >= self.now, f"time runs forward only: {moment} < {self.now}"
        self.now = moment
        return self

    def fire(self, when=None):
        """Fire every timer due at `when` (default: now). Returns how many instances stepped."""
        if when is not None:
            self.at(when)
        with self._travel():
            fired = timers.run_due(self.now)
        db.session.expire_all()
        return fired

    # ------------------------------------------------------------------ tasks

    def open_tasks(self):
        db.session.expire_all()
        return db.session.execute(
            db.select(TaskIndex).where(TaskIndex.project_id == self.id, TaskIndex.state == "ready")
            .order_by(TaskIndex.created_at, TaskIndex.bpmn_id)
        ).scalars().all()

    def open(self):
        return sorted(t.bpmn_id for t in self.open_tasks())

    def task(self, bpmn_id, instance_id=None, assignee=None):
        found = [t for t in self.open_tasks()
                 if t.bpmn_id == bpmn_id and (instance_id is None or t.instance_id == instance_id)
                 and (assignee is None or t.assignee == assignee)]
        assert len(found) == 1, f"{bpmn_id}: expected one ready task, open are {self.open()}"
        return found[0]

    def complete(self, bpmn_id, who, at=None, instance_id=None, mine=False, **overrides):
        """Complete the one ready task `bpmn_id` (of `instance_id`, if given; the one assigned to `who` if `mine`)
        as `who` (a key of ACTORS) with its example."""
        if at is not None:
            self.at(at)
        task = self.task(bpmn_id, instance_id, assignee=ACTORS[who][0] if mine else None)
        data = {**(example(task.form) if task.form else {}), **overrides}
        entry = (task.bpmn_id, task.group_code, task.due_at)
        from engine.errors import Invalid

        with self._travel():
            try:
                result = runtime.complete_task(task.id, data, actor(who))
            except Invalid as exc:
                raise AssertionError(f"{bpmn_id} refused: {exc.fields}") from exc
        self.trail.append(entry)
        db.session.expire_all()
        assert result["incident"] is None, result["incident"]
        return result

    def submit_invalid(self, bpmn_id, who, **overrides):
        """Try to complete with bad data: returns the field errors (nothing changes)."""
        from engine.errors import Invalid

        task = self.task(bpmn_id)
        data = {**(example(task.form) if task.form else {}), **overrides}
        with self._travel():
            try:
                runtime.complete_task(task.id, data, actor(who))
            except Invalid as exc:
                db.session.expire_all()
                return exc.fields
        raise AssertionError(f"{bpmn_id} accepted {overrides}")

    def publish_plan(self, year=None, at=None, **overrides):
        """市数管局 publishes the build year's 年度建设计划 in the city-level process (its pending publication)."""
        if at is not None:
            self.at(at)
        year = year or self.variables().get("build_year")
        task = city_task("task_plan_publish", year)
        data = {**example(task.form), "build_year": year, "plan_number": f"六数管〔{year - 1}〕{year % 100}号",
                **overrides}
        from engine.errors import Invalid

        with self._travel():
            try:
                result = runtime.complete_task(task.id, data, actor("sgj"))
            except Invalid as exc:
                raise AssertionError(f"task_plan_publish refused: {exc.fields}") from exc
        db.session.expire_all()
        assert result["incident"] is None, result["incident"]
        return result

    def send(self, name, payload, who="dept"):
        with self._travel():
            delivered = runtime.send_message(self.id, name, payload, actor=actor(who), owner_group=self.owner)
        db.session.expire_all()
        return delivered

    # ------------------------------------------------------------------ what happened

    @property
    def instance(self):
        db.session.expire_all()
        return db.session.get(Instance, self.instance_id)

    def instances(self, process_id):
        db.session.expire_all()
        return db.session.execute(
            db.select(Instance).filter_by(project_id=self.id, process_id=process_id).order_by(Instance.id)
        ).scalars().all()

    def variables(self, instance_id=None):
        """All task data of the instance's last task (more than Instance.variables lists)."""
        row = db.session.get(Instance, instance_id or self.instance_id)
        task = latest_task(runtime._workflow(row))
        return dict(task.data) if task is not None else {}

    def tasks(self, bpmn_id=None, process_id=None):
        """Every task row of the project ever offered (any state), oldest first."""
        db.session.expire_all()
        query = db.select(TaskIndex).where(TaskIndex.project_id == self.id)
        if bpmn_id:
            query = query.where(TaskIndex.bpmn_id == bpmn_id)
        if process_id:
            query = query.where(TaskIndex.process_id == process_id)
        return db.session.execute(query.order_by(TaskIndex.created_at, TaskIndex.bpmn_id)).scalars().all()

    def notes(self, kind=None, group=None):
        db.session.expire_all()
        query = db.select(Notification).where(Notification.project_id == self.id)
        if kind:
            query = query.where(Notification.kind == kind)
        if group:
            query = query.where(Notification.group_code == group)
        return db.session.execute(query.order_by(Notification.id)).scalars().all()

    def submissions(self, form):
        return db.session.execute(
            db.select(Submission).filter_by(project_id=self.id, form=form, draft=False).order_by(Submission.id)
        ).scalars().all()

    def met(self):
        """bpmn ids of the completed tasks, in order."""
        return [bpmn_id for bpmn_id, _, _ in self.trail]

    def reached(self, bpmn_id, instance_id=None):
        """Whether the instance's run passed through the node `bpmn_id` (an end event, a script...)."""
        from SpiffWorkflow.util.task import TaskState

        row = db.session.get(Instance, instance_id or self.instance_id)
        wf = runtime._workflow(row)
        return any(t.task_spec.bpmn_id == bpmn_id for t in wf.get_tasks(state=TaskState.COMPLETED))


def city_instances(process_id="city_annual_plan"):
    db.session.expire_all()
    return db.session.execute(db.select(Instance).filter_by(process_id=process_id, project_id=None)
                              .order_by(Instance.id)).scalars().all()


def city_task(bpmn_id, year):
    """The one ready task `bpmn_id` of the city-level instance of build year `year`."""
    db.session.expire_all()
    rows = db.session.execute(
        db.select(TaskIndex, Instance).join(Instance, Instance.id == TaskIndex.instance_id).where(
            TaskIndex.bpmn_id == bpmn_id, TaskIndex.state == "ready", TaskIndex.project_id.is_(None))
    ).all()
    found = [t for t, i in rows if (i.variables or {}).get("build_year") == year]
    assert len(found) == 1, f"{bpmn_id} of {year}: expected one ready city task, found {len(found)}"
    return found[0]


# ---------------------------------------------------------------------- stage walks
# Each walk completes the steps of one stretch of lifecycle.bpmn with consistent form data; the
# scenarios call them and assert what they care about. Dates are those of a project built in
# `build_year`: 申报 in the year before, 实施 from January of the build year.

def plan(p, year):
    """谋划: 项目准备, 内部预审 accepted."""
    p.complete("task_project_preparation", "dept", at=f"{year - 1}-03-02")
    p.complete("task_internal_review", "dept", at=f"{year - 1}-03-10")


def declare(p, year, *, category="设备购买类", budget=500, at=None, **extra):
    p.complete("task_declaration", "dept", at=at or f"{year - 1}-06-20", build_year=year, project_category=category,
               budget_wan=budget, funding_sources=[{"source": "本级财政", "amount_wan": budget}], **extra)


def open_round(p, year):
    """00:00 of 7月1日 before `year`: the round's 预审 opens (the timer fires), unless that time has passed."""
    window = instant(f"{year - 1}-07-01T00:00")
    if p.now < window:
        p.fire(window)


def precheck(p, year, passed=True, at=None):
    open_round(p, year)
    if passed:
        p.complete("task_precheck", "sgj", at=at or f"{year - 1}-07-15")
    else:
        p.complete("task_precheck", "sgj", at=at or f"{year - 1}-07-15", precheck_passed=False,
                   completeness_ok=False, missing_items=["可行性研究报告"], precheck_opinion="缺可行性研究报告")


def review(p, year, budget=500, approved=480, passed=True, reason=""):
    """专家论证: 数管局 picks a panel of three; each expert, 发改委 and 财政局 in parallel; 数管局 forms the 论证意见."""
    expert_pool()
    p.complete("task_panel_select", "sgj", at=f"{year - 1}-08-01", panel_experts=["expert1", "expert2", "expert3"])
    p.at(f"{year - 1}-08-10")
    p.complete("task_fgw_review", "fgw")
    p.complete("task_czj_review", "czj", reviewer_unit="市财政局")
    for who in PANEL:
        p.complete("task_expert_opinion", who, mine=True, budget_wan=budget, suggested_budget_wan=approved,
                   recommend_pass=passed)
    p.complete("task_expert_review", "sgj", at=f"{year - 1}-08-20", budget_wan=budget, approved_budget_wan=approved,
               review_passed=passed, rejection_reason=reason,
               review_opinion="同意建设" if passed else "不同意立项")


def establish(p, year, approved=480, route="unified", **finalization):
    """论证意见上报市政府 → 定稿 → (DMN) 统一/单独申请立项 → 立项批复 → 年度建设计划."""
    p.complete("task_government_report", "szf", at=f"{year - 1}-09-01")
    p.complete("task_finalization", "dept", at=f"{year - 1}-09-10", budget_wan=approved, approved_budget_wan=approved,
               **finalization)
    confirm_route(p, year, route)
    if route == "unified":
        p.complete("task_unified_application", "sgj", at=f"{year - 1}-09-20")
    else:
        p.complete("task_separate_application", "dept", at=f"{year - 1}-09-20", applicant_unit="六安市公安局")
    p.complete("task_fgw_confirmation", "fgw", at=f"{year - 1}-10-10")
    p.complete("task_establishment_approval", "fgw", at=f"{year - 1}-10-15", budget_wan=approved,
               approved_amount_wan=approved, investment_plan_year=year)
    p.complete("task_annual_plan", "sgj", at=f"{year - 1}-11-01", plan_year=year, approved_amount_wan=approved,
               plan_amount_wan=approved)
    p.publish_plan(year, at=f"{year - 1}-12-15")


def confirm_route(p, year, route, reason=""):
    """市数管局 confirms the 立项方式 the rule gave (or, with a reason, the other one)."""
    p.complete("task_route_confirmation", "sgj", at=f"{year - 1}-09-15", route_decision=route,
               override_reason=reason or "按立项规则与论证意见确定")


def open_year(p, year):
    """00:00 of 1月1日 of the build year: 项目启动 opens (the timer fires), unless that time has passed."""
    start = instant(f"{year}-01-01T00:00")
    if p.now < start:
        p.fire(start)


def contract(p, year, approved=480, amount=460, warranty=24, signed=None, early=False):
    """实施 up to the contract: 项目启动, 政府采购, 招标, 签订合同 (signed on `signed`, default 03-10).

    `early`: 启动, 采购 and 招标 in the first days of January, so the contract can be signed early that month.
    """
    when = ([f"{year}-01-02", f"{year}-01-05", f"{year}-01-08"] if early
            else [f"{year}-01-05", f"{year}-01-20", f"{year}-02-28"])
    kickoff(p, year, approved=approved, at=when[0])
    procure(p, approved=approved, budget=amount + 10, at=when[1])
    p.complete("task_tender", "ggj", at=when[2], procurement_budget_wan=amount + 10, bid_amount_wan=amount)
    sign(p, signed or f"{year}-03-10", amount, warranty)


def kickoff(p, year, approved=480, at=None):
    """项目启动 (its timer fires at 1月1日 of the build year first)."""
    open_year(p, year)
    p.complete("task_kickoff", "dept", at=at or f"{year}-01-05", approved_amount_wan=approved,
               planned_start=f"{year}-01-10", planned_end=f"{year}-12-20",
               milestones=[{"name": "上线试运行", "planned_date": f"{year}-10-01", "deliverable": "试运行报告"}],
               quarterly_funding=[{"quarter": f"{year}-Q1", "amount_wan": 200},
                                  {"quarter": f"{year}-Q3", "amount_wan": approved - 200}])


def procure(p, *, approved, budget, at):
    """政府采购 (市数管局), 采购资金审核 (市财政局), 招标需求 (the department), all on `at`."""
    p.complete("task_procurement", "sgj", at=at, approved_amount_wan=approved, procurement_budget_wan=budget,
               procurement_date=at[:10])
    p.complete("task_procurement_review", "czj", review_date=at[:10])
    p.complete("task_tender_requirements", "dept", ceiling_price_wan=budget)


def sign(p, signed, amount, warranty=24):
    """签订合同 (市数管局 registers it) and its confirmation by the department and 市公管局, all on `signed`."""
    p.complete("task_contract", "sgj", at=signed, contract_date=signed, bid_amount_wan=amount,
               contract_amount_wan=amount, warranty_months=warranty)
    p.complete("task_contract_dept", "dept", confirmed_on=signed)
    p.complete("task_contract_ggj", "ggj", confirmed_on=signed)


# The units 市数管局 selects for a build year, per service kind (city process city_service_units).
UNITS = {"监理": ["安徽某工程监理有限公司", "六安某信息工程监理有限公司"],
         "等保测评": ["安徽某等级保护测评中心", "合肥某网络安全测评有限公司"],
         "第三方测评": ["安徽某软件测评中心", "六安某信息技术检测有限公司", "合肥某质量检测中心"]}
UNIT_TASKS = {"task_units_supervision": "监理", "task_units_mlps": "等保测评", "task_units_third_party": "第三方测评"}


def select_units(year, at, who="sgj", units=None):
    """市数管局 completes the build year's open 招标选定 tasks (city level), each with `units` (default UNITS) of
    its kind."""
    units = units or UNITS
    from engine.errors import Invalid

    done = []
    for bpmn_id, kind in UNIT_TASKS.items():
        open_now = [t for t in _city_tasks(bpmn_id, year)]
        for task in open_now:
            data = {**example(task.form), "tender_date": at[:10],
                    "units": [{"name": name, "qualification": f"{kind}资质甲级", "certificate_no": f"ZZ-{year}-{i}",
                               "contract_no": f"LA-FW-{year}-{kind}-{i}", "unit_price_wan": 8}
                              for i, name in enumerate(units[kind], 1)]}
            with time_machine.travel(instant(at), tick=False):
                try:
                    result = runtime.complete_task(task.id, data, actor(who))
                except Invalid as exc:
                    raise AssertionError(f"{bpmn_id} refused: {exc.fields}") from exc
            db.session.expire_all()
            assert result["incident"] is None, result["incident"]
            done.append(bpmn_id)
    return done


def _city_tasks(bpmn_id, year):
    db.session.expire_all()
    rows = db.session.execute(
        db.select(TaskIndex, Instance).join(Instance, Instance.id == TaskIndex.instance_id).where(
            TaskIndex.bpmn_id == bpmn_id, TaskIndex.state == "ready", TaskIndex.project_id.is_(None))
    ).all()
    return [t for t, i in rows if (i.variables or {}).get("build_year") == year]


def side_reports(p, year=None):
    """监理, 等保定级备案 + 等保测评, 第三方测评 (parallel to construction), each passing at the first test, with
    units of the build year's selection (selected now if 市数管局 has not yet done it)."""
    year = year or p.variables().get("build_year")
    select_units(year, p.now.isoformat())
    p.complete("task_supervision", "sgj", supervision_unit=UNITS["监理"][0])
    p.complete("task_mlps_filing", "sgj", mlps_test_unit=UNITS["等保测评"][0])
    p.complete("task_mlps_test", "sgj")
    p.complete("task_third_party_test", "sgj", test_unit=UNITS["第三方测评"][0])


def pay(p, amount, at, paid_before=0, contract_amount=460):
    """A 资金拨付 of `amount` 万元, requested by the department and approved by 市数管局 on `at`: the 进度表's
    累计支付 is the sum of these approvals (x-value-from "paid_total"), never typed."""
    p.send("fund_request", {"project_name": p.name, "contract_amount_wan": contract_amount,
                            "paid_total_wan": paid_before})
    p.complete("task_fund_request", "dept", at=at, request_date=at, request_amount_wan=amount,
               contract_amount_wan=contract_amount)
    p.complete("task_fund_approval", "sgj", at=at, approval_date=at, request_amount_wan=amount,
               approved_amount_wan=amount, contract_amount_wan=contract_amount, paid_total_wan=paid_before)


def report(p, month, *, at, percent, last_percent, complete=False, contract_amount=460, paid=0, last_paid=0,
           instance_id=None):
    """One month's 进度表 (the ready progress_report task, of `instance_id` when several months are open).

    `last_percent`, `last_paid` (上月累计支付), 本月支付 and 累计支付 are read-only on the form: the engine puts
    back the workflow's figures and the approved payments' sum (see `pay`), so what is sent here for them
    does not count.
    """
    day = f"{month}-05"
    p.complete("task_progress_report", "dept", at=at, instance_id=instance_id, report_month=month,
               progress_percent=percent, last_progress_percent=last_percent, paid_this_month_wan=paid,
               cumulative_paid_wan=last_paid + paid, last_cumulative_paid_wan=last_paid,
               contract_amount_wan=contract_amount, meeting_count=1, meeting_dates=[day],
               construction_complete=complete)


def accept(p, *, initial="2026-09-01", applied="2026-09-25", accepted="2026-10-20"):
    """验收 straight through: 初验 passed, application on time, 竣工验收 passed, audit, settlement, assets."""
    p.complete("task_initial_acceptance", "dept", at=initial, initial_acceptance_date=initial)
    p.complete("task_final_application", "dept", at=applied, application_date=applied,
               initial_acceptance_date=initial)
    finish_acceptance(p, accepted)


def joint_acceptance(p, at, passed=True):
    """竣工验收 by 市数管局 with 市财政局 and 市公管局: 数管局 picks a panel of three experts; each expert,
    财政局 and 公管局 give their opinions in parallel (then 数管局's 竣工验收 is the one open step)."""
    expert_pool()
    p.complete("task_acceptance_panel_select", "sgj", at=at, acceptance_experts=["expert1", "expert2", "expert3"])
    p.complete("task_final_acceptance_czj", "czj", at=at)
    p.complete("task_final_acceptance_ggj", "ggj", at=at)
    for who in PANEL:
        p.complete("task_acceptance_expert_opinion", who, at=at, mine=True, recommend_pass=passed,
                   opinion="同意通过验收" if passed else "功能未完成，需整改后重新验收")


def finish_acceptance(p, accepted):
    joint_acceptance(p, accepted)
    p.complete("task_final_acceptance", "sgj", at=accepted, final_acceptance_date=accepted)
    year = int(accepted[:4])
    p.complete("task_settlement", "dept", at=f"{year}-11-20", settlement_amount_wan=455)
    p.complete("task_audit", "sjj", at=f"{year}-11-25", contract_amount_wan=460, audited_amount_wan=455)
    p.complete("task_asset_registration", "sgj", at=f"{year}-12-01", settlement_amount_wan=455,
               registration_date=f"{year}-12-01", assets=[
                   {"name": "警务数据共享平台软件", "category": "软件", "quantity": 1, "amount_wan": 415,
                    "location": "市政务云", "on_gov_cloud": True, "managing_unit": "市数管局"},
                   {"name": "前置服务器", "category": "硬件", "quantity": 2, "amount_wan": 40,
                    "location": "市公安局机房", "on_gov_cloud": False, "managing_unit": "市公安局"}])


def operate(p, warranty_end, years=2, *, amount=60, cut_in_year=None):
    """运维 from the free warranty's end: each year 申请运维经费, 市财政局's opinion and the 审核 (cut in `cut_in_year`), then on
    12月1日 that year's 绩效评估; `years` funded years, the last one waiting for its evaluation."""
    p.fire(warranty_end)
    year = int(warranty_end[:4])
    for n in range(years):
        if n:
            p.fire(f"{year}-12-01T00:00")
            p.complete("task_performance_evaluation", "sgj", at=f"{year}-12-10", evaluation_date=f"{year}-12-10")
            year += 1
        p.complete("task_ops_funding", "dept", ops_amount_wan=amount)
        p.complete("task_ops_funding_finance", "czj", finance_opinion="同意按申请金额安排")
        cut = year == cut_in_year
        p.complete("task_ops_funding_review", "sgj", ops_funding_decision="核减" if cut else "同意",
                   ops_approved_wan=amount - 10 if cut else amount, review_opinion="绩效一般，核减" if cut else "")
    return year
