"""项目库 search by business values at 10 000 projects against 100: one page and its total."""
import random
import time
from datetime import datetime, timezone
from types import SimpleNamespace

from engine.db import db
from engine.models import Instance, TaskIndex

from .scenarios import clear_instances, ms, p50, row, start

CATEGORIES = ("设备购买类", "运维服务类", "软件开发类", "系统集成类")
STEPS = ("项目准备", "内部预审", "填报申报表", "合同签订", "实施进度报送")
QUERIES = (
    {"category": "软件开发类", "budget_min": "100", "budget_max": "800"},
    {"department": "d3", "year": "2027", "overdue": "1"},
    {"step": "合同", "contract_min": "50"},
    {"stage": "实施"},
)


def _fill(n):
    from webapp.core.models import Department, Project

    [template] = start("simple", 1, project_id=1, owner_group="dept:d0", data={"build_year": 2027})
    db.session.commit()
    rng = random.Random(11)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for code in range(50):
        db.session.merge(Department(code=f"d{code}", name=f"部门{code}"))
    db.session.commit()
    base = {c.name: getattr(template, c.name) for c in Instance.__table__.columns if c.name != "id"}
    instances, projects, tasks = [], [], []
    for i in range(n):
        variables = {"project_category": rng.choice(CATEGORIES), "budget_wan": rng.randrange(10, 3000),
                     "build_year": 2026 + rng.randrange(3)}
        if rng.random() < 0.5:
            variables["contract_amount_wan"] = rng.randrange(5, 2500)
        instances.append({**base, "project_id": 200000 + i, "variables": variables,
                          "stage": rng.choice(("谋划", "申报", "立项", "实施", "验收")), "created_at": now,
                          "updated_at": now})
    db.session.execute(db.insert(Instance), instances)
    ids = [r for (r,) in db.session.execute(db.select(Instance.id).where(Instance.project_id >= 200000)
                                             .order_by(Instance.id))]
    for i, instance_id in enumerate(ids):
        v = instances[i]["variables"]
        projects.append({"id": 200000 + i, "name": f"项目{i:05d}", "department_code": f"d{i % 50}",
                         "build_year": v["build_year"], "budget_wan": v["budget_wan"], "created_by": "bench",
                         "created_at": now, "instance_id": instance_id})
        tasks.append({"id": f"00000000-0000-4000-8000-{i:012d}", "instance_id": instance_id,
                      "project_id": 200000 + i, "process_id": "simple", "bpmn_id": "step", "name": rng.choice(STEPS),
                      "group_code": f"dept:d{i % 50}", "state": "ready", "created_at": now, "overdue": False,
                      "due_at": now.replace(year=now.year + rng.choice((-1, 1)))})
    for start_at in range(0, n, 2000):
        db.session.execute(db.insert(Project), projects[start_at:start_at + 2000])
        db.session.execute(db.insert(TaskIndex), tasks[start_at:start_at + 2000])
    db.session.commit()


def _time(runs):
    from webapp.projects.services import list_projects

    admin = SimpleNamespace(username="bench_admin", groups=frozenset({"admin"}))
    samples = []
    for k in range(runs):
        filters = QUERIES[k % len(QUERIES)]
        t0 = time.perf_counter()
        list_projects(admin, filters, 1, 20)
        samples.append(time.perf_counter() - t0)
    return samples


def _reset():
    from webapp.core.models import Project

    db.session.execute(db.update(Project).values(instance_id=None))
    db.session.execute(db.delete(Project))
    db.session.commit()
    clear_instances()


def scenario_search(app, quick):
    big = 2000 if quick else 10000
    results = {}
    for n in (100, big):
        _reset()
        _fill(n)
        results[n] = p50(_time(80))
    _reset()
    ratio = results[big] / results[100]
    return row("project_search", f"项目库按业务值检索（首页与总数）：{big} 个项目对比 100 个", ms(results[big]),
               ms(results[100]), ratio, "≤ 50 ms", results[big] <= 0.050,
               "类别、预算区间、当前环节、合同金额、逾期、年度、部门、阶段；第一页 20 条及总数")
