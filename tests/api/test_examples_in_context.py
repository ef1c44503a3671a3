"""填写示例 in context: several projects of two departments walked through the real model over build years with
the clock moved, every user task completed with `examples[0]` exactly as GET /api/tasks/<id> returns it.

The examples decide the way (their gateway values); the clock moves from one timer to the next, so tasks come
in different months; 运维 runs two years (运维经费 and 绩效 each year) and the department retires the system.
"""
import re
from collections import Counter
from datetime import datetime, timedelta

import pytest

from engine import clock, timers
from engine.db import db
from engine.models import Instance, TaskIndex

WORKER = {"dept:gaj": "dept_gaj", "dept:jyj": "dept_jyj", "sgj": "sgj", "fgw": "fgw", "czj": "czj", "ggj": "ggj",
          "sjj": "sjj", "szf": "szf", "expert": "expert1"}
BEIJING = timedelta(hours=8)
def _decided(bpmn_id, reports):
    """What the scenario decides over a served example (not a correction of it): the third 进度表 of a project
    reports 建设完成."""
    if bpmn_id == "task_progress_report" and reports >= 2:
        return {"progress_percent": 100, "construction_complete": True}
    return {}


def _worker(group):
    return group.split(":", 1)[1] if group.startswith("user:") else WORKER[group]


class Walk:
    def __init__(self, api, time_machine, start):
        self.api, self.tm = api, time_machine
        self.now = start
        self.done = []  # (bpmn_id, Beijing month, project id)
        self.failed = []
        self.decide = {}  # bpmn id -> values the scenario decides over the example (a rejected 整改)
        self.refused_until = {}  # (project id, bpmn id) -> the field its example is refused on, for now
        self.refused = set()
        self.funding_reviews = []  # (project id, data served, department record) of each 运维经费 review
        self.hold = {}  # (project id, bpmn id) -> the instant before which the department does not submit
        time_machine.move_to(start, tick=False)

    def move(self, when):
        self.now = when
        self.tm.move_to(when, tick=False)
        self.api.tokens.clear()  # a session token does not outlive the clock's move

    def create(self, user, name, year):
        r = self.api.as_(user).post("/api/projects", json={"name": name, "build_year": year})
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    def ready(self):
        db.session.expire_all()
        return db.session.execute(db.select(TaskIndex).where(TaskIndex.state == "ready")
                                  .order_by(TaskIndex.created_at, TaskIndex.id)).scalars().all()

    def work(self):
        """Complete every ready task with its example as served; returns how many were done."""
        count = 0
        for task in self.ready():
            if self.now < self.hold.get((task.project_id, task.bpmn_id), self.now):
                continue
            user = _worker(task.group_code)
            got = self.api.as_(user).get(f"/api/tasks/{task.id}")
            assert got.status_code == 200, (task.bpmn_id, got.get_json())
            body = got.get_json()
            example = ((body.get("form_schema") or {}).get("examples") or [{}])[0]
            reports = sum(1 for b, _, pid in self.done if b == task.bpmn_id and pid == task.project_id)
            example = {**example, **self.decide.get(task.bpmn_id, {}), **_decided(task.bpmn_id, reports)}
            if task.bpmn_id == "task_ops_funding_review":
                self.funding_reviews.append((task.project_id, body["data"], body["department_record"]))
            r = self.api.as_(user).post(f"/api/tasks/{task.id}/complete", json={"data": example})
            month = (self.now.replace(tzinfo=None) + BEIJING).strftime("%Y-%m")
            expected = self.refused_until.get((task.project_id, task.bpmn_id))
            if expected and r.status_code == 422 and expected in (r.get_json() or {}).get("fields", {}):
                self.refused.add((task.project_id, task.bpmn_id))
                continue
            if r.status_code != 200:
                self.failed.append((task.bpmn_id, month, r.status_code, r.get_json()))
                continue
            self.done.append((task.bpmn_id, month, task.project_id))
            count += 1
        return count

    def next_timer(self):
        db.session.expire_all()
        return db.session.execute(db.select(db.func.min(Instance.next_timer_at)).where(
            Instance.status == "running")).scalar()

    def run(self, until, max_steps=600):
        """Work, retire what has run two 运维 years, else move to the next timer (and run the oversight job)."""
        for _ in range(max_steps):
            if self.failed:
                return
            if self.work() or self.retire():
                continue
            due = self.next_timer()
            if due is None or due.replace(tzinfo=clock.timezone.utc) >= until:
                self.move(until.replace(tzinfo=clock.timezone.utc))
                propagate_sanctions()
                return
            self.move(due.replace(tzinfo=clock.timezone.utc) + timedelta(seconds=1))
            timers.run_due(self.now)
            propagate_sanctions()
        pytest.fail(f"walk did not settle: {Counter(b for b, _, _ in self.done).most_common(5)}")

    def retire(self):
        """A project whose 运维 was evaluated twice is retired by its department (API)."""
        evaluated = Counter(pid for b, _, pid in self.done if b == "task_performance_evaluation")
        for pid, n in evaluated.items():
            project = self.api.as_("sgj").get(f"/api/projects/{pid}").get_json()
            if n >= 2 and project["may_retire"]:
                user = f"dept_{project['department']}"
                r = self.api.as_(user).post(f"/api/projects/{pid}/retire", json={"reason": "业务并入省级平台"})
                assert r.status_code == 200, r.get_json()
                return True
        return False


def propagate_sanctions():
    from webapp.oversight.services.inspections import propagate_sanctions as run

    run()


def _beijing(y, m, d, h=10):
    return datetime(y, m, d, h - 8, 0, tzinfo=clock.timezone.utc)


def test_every_task_reached_takes_its_example_as_served(api, app, real_model, time_machine):
    from webapp.files.services import seed_demo_files
    from engine.runtime import unit_of_work

    with unit_of_work():
        seed_demo_files()
    walk = Walk(api, time_machine, _beijing(2026, 3, 2))
    a = walk.create("dept_gaj", "警务数据共享平台", 2027)
    b = walk.create("dept_jyj", "智慧教育平台", 2027)
    late = walk.create("dept_jyj", "教育资源公共服务平台", 2027)
    # its 申报表 is filed only after 6月30日: late, so it moves to round 2028 and waits for 2027-07-01
    walk.hold[(late, "task_declaration")] = _beijing(2026, 7, 1, 8)
    walk.run(until=_beijing(2027, 2, 1))
    assert api.as_("sgj").get(f"/api/projects/{late}").get_json()["build_year"] == 2028, [d for d in walk.done if d[2] == late]
    assert [m for bid, m, pid in walk.done if pid == late and bid == "task_precheck"] == []

    # 市数管局 opens a 督查 of the jyj project in construction; the 整改 is rejected: 暂缓申报 of round 2028
    r = api.as_("sgj").post("/api/inspections", json={"project_id": b, "reason": "形象进度落后", "requirements": "加快进度",
                                                      "deadline": "2027-02-20"})
    assert r.status_code == 201, r.get_json()
    walk.decide["task_rectification_review"] = {"rectification_accepted": False, "consequence": "暂缓申报",
                                                "review_opinion": "整改成效不明显"}
    walk.run(until=_beijing(2027, 3, 1))
    # the department's next 申报 of round 2028 is refused while the sanction is in force …
    suspended = walk.create("dept_jyj", "校园安全平台", 2028)
    walk.refused_until[(suspended, "task_declaration")] = "department_sanction"
    walk.run(until=_beijing(2027, 6, 30, 12))
    assert (suspended, "task_declaration") in walk.refused
    june = api.as_("sgj").get("/api/reports/monthly?month=2027-06&refresh=1").get_json()["sanctions"]
    assert [(s["department"], s["round_year"], s["status"]) for s in june] == [("jyj", 2028, "执行中")]
    # … and lapses by itself when the round closes: the example then goes through (late: round 2029)
    walk.refused_until.clear()
    walk.hold[(suspended, "task_declaration")] = _beijing(2027, 7, 1, 8)
    walk.run(until=_beijing(2031, 3, 1))
    assert not walk.failed, walk.failed
    july = api.as_("sgj").get("/api/reports/monthly?month=2027-07&refresh=1").get_json()["sanctions"]
    assert [(s["department"], s["status"]) for s in july] == [("jyj", "已到期解除")]
    year = {r["department"]: r for r in api.as_("sgj").get("/api/reports/assessment?year=2027").get_json()["items"]}
    assert "已到期解除" in year["jyj"]["sanction_detail"]
    projects = {pid: api.as_("sgj").get(f"/api/projects/{pid}").get_json() for pid in (a, b, late, suspended)}
    assert projects[suspended]["build_year"] == 2029 and projects[late]["build_year"] == 2028
    assert {pid: p["status"] for pid, p in projects.items()} == {pid: "已下线" for pid in projects}

    # the examples name the task's own project: every notice speaks of one of ours
    from engine.models import Notification

    named = {m for (text,) in db.session.execute(db.select(Notification.message)) for m in re.findall(r"项目“([^”]+)”", text)}
    assert named and named <= {p["name"] for p in projects.values()}, named
    done = Counter(bid for bid, _, _ in walk.done)
    months = {bid: {m for b2, m, _ in walk.done if b2 == bid} for bid in done}
    # two departments, four projects, each through 运维: two years evaluated (the third year's 经费 decided)
    assert done["task_ops_funding"] == done["task_ops_funding_finance"] == done["task_ops_funding_review"] == 12 and done["task_performance_evaluation"] == 8
    assert len(months["task_progress_report"]) >= 3 and len(months["task_ops_funding"]) >= 3
    # no 预审 before 7月1日 of its round, none after 9月30日
    assert all(m[5:] in ("07", "08", "09") for m in months["task_precheck"]), months["task_precheck"]
    # whoever decides the next 运维经费 sees the last 绩效 of the project and the department's record
    first, *later = [(data, record) for pid, data, record in walk.funding_reviews if pid == a]
    assert "last_evaluation_score" not in first[0] and first[1]["department"] == "gaj"
    assert [d["last_evaluation_year"] for d, _ in later] == [2029, 2030]
    assert {p["project_id"] for p in later[-1][1]["performance"]} >= {a}

