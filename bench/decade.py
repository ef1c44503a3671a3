"""Ten years of a city (issue 14): 300 projects a year, each with its full history, and what the daily pages
cost with ten years in the database against one.

The generator writes rows in bulk, shaped as the engine writes them: per project its Project row and
lifecycle instance (a real saved state, taken from an instance the engine ran), a completed task-index row,
a submission (the form's own example) and an audit event for every user task of the model that the
project's age has reached, one 进度表 instance with its task, submission and audit per month of 实施,
reminders, and three small stub files; older projects are finished, this year's are open. One stored
按月通报 per month. The figures are the p50 of each page through the JSON API (the Flask test client).
"""
import json
import random
import statistics
import time
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, text

from engine import clock, registry, runtime
from engine.db import db
from engine.index import FORM_PROPERTY, properties_of
from engine.models import AuditEvent, Instance, Notification, Submission, TaskIndex

from .__main__ import admin_engine
from .scenarios import REPO, row

PER_YEAR = 300
STUB = b"%PDF-1.4\n% stub of a scanned document\n%%EOF\n"
WORDS = ["数据共享平台", "政务服务系统", "智慧监管平台", "业务协同系统", "数据治理工程", "视频联网工程"]
PAGES = [  # (label, account, path); {project} is a project of this year
    ("待办", "dept", "/api/tasks?per_page=20"),
    ("项目库检索", "sgj", "/api/projects?q=平台&per_page=20"),
    ("项目页", "sgj", "/api/projects/{project}"),
    ("驾驶舱列表", "admin", "/api/cockpit/instances?per_page=20"),
    ("按月通报", "sgj", "/api/reports/monthly?month={month}"),
    ("年度计划", "sgj", "/api/reports/plan?year={year}"),
    ("看板", "sgj", "/api/reports/dashboard"),
]


def user_tasks():
    """(bpmn_id, name, lane, form) of every user task of the lifecycle and its stage diagrams, in order."""
    version = registry.require_latest_version()
    spec, subs = registry.load_specs(version.id, "lifecycle")
    found = []
    for process in [spec, *subs.values()]:
        for task_spec in process.task_specs.values():
            if getattr(task_spec, "manual", False):
                found.append((task_spec.bpmn_id, task_spec.bpmn_name or task_spec.bpmn_id, task_spec.lane,
                              properties_of(task_spec).get(FORM_PROPERTY)))
    return found


def _example(form, cache={}):
    if form not in cache:
        path = REPO / "forms" / form if form else None
        cache[form] = json.loads(path.read_text(encoding="utf-8")).get("examples", [{}])[0] if path and path.exists() else {}
    return cache[form]


def _filled(form, values):
    """The form's example with the project's own year (and month) wherever the example has such a field."""
    example = _example(form)
    return {**example, **{k: v for k, v in (values or {}).items() if k in example}}


class Generator:
    def __init__(self, departments):
        self.departments = departments
        self.tasks = user_tasks()
        self.version_id = registry.require_latest_version().id
        self.this_year = clock.today().year
        self.lifecycle_state, self.report_state = self._real_states()
        self.next_id = (db.session.execute(select(func.max(Instance.id))).scalar() or 0) + 10_000
        self.rng = random.Random(14)

    def _real_states(self):
        """Saved states of a lifecycle and a 进度表 instance the engine itself ran (for the project page)."""
        with runtime.unit_of_work():
            life = runtime.start_instance("lifecycle", project_id=None, owner_group="dept:gaj",
                                          data={"project_name": "模板", "build_year": self.this_year})
            runtime.deliver_message(None, _message("progress_cycle_start"),
                                    {"report_month": f"{self.this_year}-01", "project_name": "模板"})
        report = db.session.execute(select(Instance).filter_by(process_id="progress_report")).scalars().first()
        states = (life.state, report.state if report is not None else life.state)
        return states

    def year(self, year):
        """Write the 300 projects of `year` with everything their age brings."""
        from webapp.core.models import Project
        from webapp.files.models import StoredFile

        age = self.this_year - year
        rows = {k: [] for k in ("project", "instance", "task", "submission", "audit", "note", "file")}
        for n in range(PER_YEAR):
            code, dept_name = self.departments[n % len(self.departments)]
            pid = iid = self.next_id
            self.next_id += 1
            start = datetime(year - 1, 3, 1) + timedelta(days=self.rng.randrange(120))
            reached = len(self.tasks) if age >= 2 else max(1, int(len(self.tasks) * (0.2 + 0.35 * age + 0.4 * self.rng.random())))
            ended = age >= 3
            stage = "已结束" if ended else ("运维" if age >= 1 else self.rng.choice(["谋划", "申报", "实施"]))
            name = f"{dept_name}{WORDS[n % len(WORDS)]}（{year}-{n:03d}）"
            rows["project"].append(dict(id=pid, name=name, department_code=code, build_year=year, budget_wan=300 + n % 700,
                                        created_by="generator", created_at=start, instance_id=iid))
            rows["instance"].append(self._instance(iid, pid, "lifecycle", code, "completed" if ended else "running",
                                                   stage, self.lifecycle_state, start, None))
            when = start
            for k, (bpmn_id, task_name, lane, form) in enumerate(self.tasks[:reached]):
                when += timedelta(days=self.rng.randrange(3, 12))
                open_task = not ended and k == reached - 1
                self._task(rows, iid, pid, code, "lifecycle", bpmn_id, task_name, lane, form, when, open_task,
                           {"build_year": year, "plan_year": year, "investment_plan_year": year})
            months = 0 if age == 0 and stage != "实施" else (self.rng.randrange(3, 10) if age == 0 else 12)
            for m in range(months):
                mid = self.next_id
                self.next_id += 1
                month = f"{year if age else self.this_year}-{m + 1:02d}"
                at = datetime(int(month[:4]), m + 1, 15)
                rows["instance"].append(self._instance(mid, pid, "progress_report", code, "completed", "实施",
                                                       self.report_state, at, iid))
                self._task(rows, mid, pid, code, "progress_report", "task_progress_report", "填报月度进度表", None,
                           "progress-report.schema.json", at, False, {"report_month": month})
            for k in range(8):
                rows["note"].append(dict(group_code=f"dept:{code}", kind="reminder", message=f"{name} 第{k + 1}条提醒",
                                         instance_id=iid, project_id=pid, created_at=start + timedelta(days=30 * k)))
            for k in range(3):
                rows["file"].append(dict(id=str(uuid.uuid4()), project_id=pid, department_code=code,
                                         filename=f"附件{k + 1}.pdf", content_type="application/pdf", size=len(STUB),
                                         sha256="0" * 64, data=STUB, uploaded_by="generator", uploaded_at=start))
        for model, key in ((Instance, "instance"), (Project, "project"), (TaskIndex, "task"), (Submission, "submission"),
                           (AuditEvent, "audit"), (Notification, "note"), (StoredFile, "file")):
            for begin in range(0, len(rows[key]), 2000):
                db.session.execute(insert(model), rows[key][begin:begin + 2000])
        db.session.commit()
        return sum(len(v) for v in rows.values())

    def _instance(self, iid, pid, process_id, code, status, stage, state, at, parent):
        return dict(id=iid, version_id=self.version_id, process_id=process_id, project_id=pid, owner_group=f"dept:{code}",
                    parent_id=parent, status=status, stage=stage, variables={"stage": stage}, state=state,
                    state_bytes=len(state), lock_version=1, waiting_messages=[], created_at=at, updated_at=at,
                    ended_at=at if status == "completed" else None)

    def _task(self, rows, iid, pid, code, process_id, bpmn_id, name, lane, form, at, open_task, data=None):
        from engine import roles

        task_id = str(uuid.uuid4())
        group = roles.lane_group(lane, f"dept:{code}") or f"dept:{code}"
        rows["task"].append(dict(id=task_id, instance_id=iid, project_id=pid, process_id=process_id, bpmn_id=bpmn_id,
                                 name=name, lane=lane, group_code=group, state="ready" if open_task else "completed",
                                 form=form, created_at=at, due_at=at + timedelta(days=15), overdue=False,
                                 completed_at=None if open_task else at + timedelta(days=2),
                                 completed_by=None if open_task else "generator"))
        if open_task:
            return
        rows["submission"].append(dict(task_id=task_id, instance_id=iid, project_id=pid, form=form or "",
                                       data=_filled(form, data), draft=False, submitted_by="generator",
                                       submitted_at=at + timedelta(days=2)))
        rows["audit"].append(dict(at=at + timedelta(days=2), actor="generator", kind="complete", instance_id=iid,
                                  project_id=pid, task_id=task_id, payload={"bpmn_id": bpmn_id, "form": form}))

    def bulletins(self, years):
        from webapp.oversight.models import Bulletin

        have = set(db.session.execute(select(Bulletin.month)).scalars())
        batch = []
        for year in years:
            for m in range(1, 13):
                month = f"{year}-{m:02d}"
                if month in have or (year == self.this_year and m >= clock.today().month):
                    continue
                batch.append(dict(month=month, generated_at=datetime(year, m, 21), generated_by="system", rules={},
                                  summary={"projects": PER_YEAR}, departments=[],
                                  rows=[{"project_id": i, "status": "green"} for i in range(PER_YEAR)]))
        if batch:
            db.session.execute(insert(Bulletin), batch)
        db.session.commit()


def _message(name):
    from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

    return MessageEventDefinition(name)


def _after_bulk_load():
    """What the product's upkeep does for rows it did not write itself: each project's budget row (kept by the
    oversight hooks as forms are submitted, which bulk inserts bypass); SQLite gets the planner statistics the
    scheduler's daily job keeps (webapp.core.dbstats); PostgreSQL its sequences moved past the ids written here
    and the VACUUM ANALYZE its autovacuum would run on so many new rows, at once rather than some time later."""
    from webapp.core.dbstats import refresh
    from webapp.oversight.services.budgets import rebuild

    rebuild(db.session.connection())
    db.session.commit()
    if db.engine.dialect.name != "postgresql":
        db.session.remove()
        with db.engine.connect() as connection:
            refresh(connection)
        return
    for table in ("instance", "project", "submission", "audit_event", "notification"):
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


def _measure(client, tokens, project_id, runs, warmup):
    """{page: [seconds]} of `runs` calls of each page after `warmup` calls that are not kept."""
    today = clock.today()
    out = {}
    for label, who, path in PAGES:
        url = path.format(project=project_id, month=today.strftime("%Y-%m"), year=today.year)
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        samples = []
        for i in range(warmup + runs):
            t0 = time.perf_counter()
            r = client.get(url, headers=headers)
            if i >= warmup:
                samples.append(time.perf_counter() - t0)
            assert r.status_code == 200, (url, r.status_code, r.get_data(as_text=True)[:300])
        out[label] = samples
    return out


def _copy_database(app):
    """A second database holding what the app's database holds now; returns its URL (dropped by `_drop`)."""
    import os
    import sqlite3

    url = os.environ["DATABASE_URL"]
    db.session.remove()
    db.engine.dispose()  # PostgreSQL copies a template only while nobody is connected to it
    if url.startswith("sqlite:///"):
        source = url[len("sqlite:///"):]
        target = source.replace(".sqlite3", "-copy.sqlite3")
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return f"sqlite:///{target}"
    base, name = url.rsplit("/", 1)
    with admin_engine(url).connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}_copy TEMPLATE {name}"))
    return f"{base}/{name}_copy"


def _drop(url):
    import os

    if url.startswith("sqlite:///"):
        os.remove(url[len("sqlite:///"):])
        return
    name = url.rsplit("/", 1)[1]
    with admin_engine(url).connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def _app_on(url):
    """A second app of the same code on the database at `url`."""
    import os

    from webapp import create_app

    kept = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = url
    try:
        return create_app({"TESTING": True})
    finally:
        os.environ["DATABASE_URL"] = kept


def database_bytes():
    if db.engine.dialect.name == "postgresql":
        return db.session.execute(text("SELECT pg_database_size(current_database())")).scalar()
    return db.session.execute(text("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")).scalar()


def scenario_decade(app, quick):
    """One year against `years` years, each in a database of its own (a copy of the one-year database that
    then gets the other years), the two measured in alternating blocks (A B A B …), each block warmed up."""
    from webapp.accounts.models import User
    from webapp.accounts.services import issue_token
    from webapp.core.models import Department, Project

    from .baselines import compare_unpaired, spread_ms
    from .http import _seed

    _seed(app)
    departments = sorted(db.session.execute(select(Department.code, Department.name)).all())
    gen = Generator(departments)
    years = 3 if quick else 10
    tokens = {who: issue_token(db.session.execute(select(User).filter_by(username=name)).scalar_one())[0]
              for who, name in (("dept", "dept_gaj"), ("sgj", "sgj"), ("admin", "admin"))}
    db.session.commit()
    runs, blocks = (5, 2) if quick else (10, 3)
    gen.year(gen.this_year)
    gen.bulletins([gen.this_year])
    _after_bulk_load()
    project_id = db.session.execute(select(Project.id).where(Project.build_year == gen.this_year,
                                                             Project.department_code == "gaj")).scalars().first()
    size_one = database_bytes()
    copy_url = _copy_database(app)  # the tokens and the project are in both
    many = _app_on(copy_url)
    try:
        with many.app_context():
            t0 = time.perf_counter()
            for year in range(gen.this_year - years + 1, gen.this_year):
                gen.year(year)
            gen.bulletins(range(gen.this_year - years + 1, gen.this_year))
            _after_bulk_load()
            generated = time.perf_counter() - t0
            size_many = database_bytes()
            projects = db.session.execute(select(func.count()).select_from(Project)).scalar()
            db.session.remove()
        samples = {1: {label: [] for label, _, _ in PAGES}, years: {label: [] for label, _, _ in PAGES}}
        for _ in range(blocks):
            for size, target in ((1, app), (years, many)):
                with target.app_context():
                    got = _measure(target.test_client(), tokens, project_id, runs, warmup=2)
                    db.session.remove()
                for label, values in got.items():
                    samples[size][label].extend(values)
    finally:
        with many.app_context():
            db.session.remove()
            db.engine.dispose()
        _drop(copy_url)
    rows = []
    for label, _, _ in PAGES:
        ten, one = samples[years][label], samples[1][label]
        c = compare_unpaired(ten, one)
        rows.append(row(f"decade_{label}", f"{years} 年数据对比 1 年：{label}", f"{statistics.median(ten) * 1000:.1f} ms",
                        f"{statistics.median(one) * 1000:.1f} ms", c["ratio_p50"], "≤ 2×", c["ratio_p50"] <= 2,
                        f"两个库轮流成块测量（{blocks} 轮，各块先预热）；{years} 年 {spread_ms(ten)}，1 年 {spread_ms(one)}",
                        spread=f"{c['ratio_low']:.2f}–{c['ratio_high']:.2f}×", ten_s=statistics.median(ten),
                        one_s=statistics.median(one)))
    rows.append(row("decade_size", f"{years} 年数据：每个项目占用的数据库空间", f"{size_many / projects / 1024:.0f} KiB",
                    f"{size_one / PER_YEAR / 1024:.0f} KiB", None, "（报告）", True,
                    f"{projects} 个项目，库 {size_many / 2**20:.0f} MiB；生成 {years - 1} 年用时 {generated:.0f} s",
                    bytes_ten=size_many, bytes_one=size_one, projects=projects))
    return rows
