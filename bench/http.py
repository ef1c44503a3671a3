"""HTTP-level scenarios (issue 4): one completion through the JSON API, and 待办 with 10 000 projects."""
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

from engine.db import db
from engine.models import Instance, TaskIndex
from webapp.accounts.models import User
from webapp.core.models import Project

from .baselines import WARMUP, bare_steps, compare_unpaired, in_blocks, interleaved, spread_ms
from .scenarios import REPO, baseline_rows, clone_instances, deployed_files, example_of, ms, p50, reset, row

PASSWORD = "demo-pass-2026"


class Server:
    """The app as production runs it (gunicorn, one worker) on a loopback port, over the bench's database."""

    def __init__(self, app):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}

    def __enter__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
             "webapp:create_app()"], cwd=REPO, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.call("GET", "/api/openapi.json")
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)

    def call(self, method, path, body=None, token=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        conn.close()
        return response.status, json.loads(payload) if payload else None


def _seed(app):
    if db.session.execute(db.select(User.id).filter_by(username="dept_gaj")).scalar() is None:
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output


def _upload(user):
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    from webapp.files import services as files

    stored = files.store_upload(user, FileStorage(BytesIO(b"%PDF-1.4\n% bench\n"), filename="调研报告.pdf",
                                                  content_type="application/pdf"))
    db.session.commit()
    return stored.id


def _token(server, username):
    status, body = server.call("POST", "/api/auth/token", {"username": username, "password": PASSWORD})
    assert status == 200, body
    return body["token"]


def scenario_http_complete(app, quick):
    from webapp.projects import services as projects

    _seed(app)
    n = 60 if quick else 300
    user = db.session.execute(db.select(User).filter_by(username="dept_gaj")).scalar_one()
    created = [projects.create_project(user, f"基准项目{uuid.uuid4().hex[:8]}", 2027) for _ in range(n + WARMUP)]
    task_ids = [db.session.execute(db.select(TaskIndex.id).filter_by(project_id=p.id, state="ready")).scalar_one()
                for p in created]
    data = example_of("project-preparation.schema.json")
    schema = json.loads((REPO / "forms" / "project-preparation.schema.json").read_text(encoding="utf-8"))
    # A file belongs to one project once used: each task gets its own upload.
    pending = iter([(task_id, {"data": with_uploaded_files(schema, data, _upload(user))}) for task_id in task_ids])
    bare = bare_steps(deployed_files(), "lifecycle", {"project_name": "基准项目", "build_year": 2027}, data)
    with Server(app) as server:
        token = _token(server, "dept_gaj")

        def ours():
            task_id, body = next(pending)
            t0 = time.perf_counter()
            status, answer = server.call("POST", f"/api/tasks/{task_id}/complete", body, token)
            elapsed = time.perf_counter() - t0
            assert status == 200, answer
            return elapsed

        samples = interleaved({"ours": ours, **bare}, n)
    return baseline_rows("http_complete", "经 HTTP API 完成一个用户任务（lifecycle）", samples.pop("ours"), samples,
                         "gunicorn（生产配置）经回环套接字；含令牌鉴权、权限、表单校验、索引、审计与提交")


def scenario_http_worklist(app, quick):
    from webapp.projects import services as projects

    _seed(app)
    user = db.session.execute(db.select(User).filter_by(username="dept_gaj")).scalar_one()
    big = 2000 if quick else 10000
    with Server(app) as server:
        token = _token(server, "dept_gaj")

        def fill(n):
            reset()
            seed = projects.create_project(user, f"模板项目{n}", 2027)  # one real instance to copy
            template = db.session.get(Instance, seed.instance_id)
            clone_instances(template, n - 1)
            _attach_projects_and_tasks(n)

        def measure(n, warmup):
            samples = []
            for _ in range(warmup or (60 if quick else 100)):
                t0 = time.perf_counter()
                status, body = server.call("GET", "/api/tasks?per_page=20", token=token)
                samples.append(time.perf_counter() - t0)
                assert status == 200 and body["items"], body
            return samples

        # The two sizes cannot share one database: they take turns in blocks (A B A B …), each warmed up.
        samples = in_blocks((10, big), 2 if quick else 3, fill, measure)
    reset()
    c = compare_unpaired(samples[big], samples[10])
    ok = c["ratio_p50"] <= 2 and p50(samples[big]) <= 0.020
    return row("http_worklist", f"经 HTTP 的待办列表：库中 {big} 个项目对比 10 个", ms(p50(samples[big])),
               ms(p50(samples[10])), c["ratio_p50"], "≤ 2×, ≤ 20 ms", ok,
               f"一个部门用户，每页 20 条，按期限排序；两种规模轮流成块测量（各块先预热）；{big} 个 "
               f"{spread_ms(samples[big])}，10 个 {spread_ms(samples[10])}",
               spread=f"{c['ratio_low']:.2f}–{c['ratio_high']:.2f}×", **c)


def _attach_projects_and_tasks(n):
    """Give every cloned instance a project (spread over six departments) and an open task."""
    departments = ["gaj", "jyj", "wjw", "mzj", "rsj", "zrzyj"]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rng = random.Random(11)
    orphans = db.session.execute(
        db.select(Instance.id).where(Instance.id.not_in(db.select(Project.instance_id).where(Project.instance_id.is_not(None))))
    ).scalars().all()
    projects, tasks = [], []
    for i, instance_id in enumerate(orphans):
        dept = departments[i % len(departments)]
        projects.append(dict(name=f"项目{instance_id:06d}", department_code=dept, build_year=2027, created_by="bench",
                             created_at=now, instance_id=instance_id))
    if projects:
        db.session.execute(db.insert(Project), projects)
    by_instance = dict(db.session.execute(db.select(Project.instance_id, Project.id)).all())
    depts = dict(db.session.execute(db.select(Project.id, Project.department_code)).all())
    for i, instance_id in enumerate(orphans):
        project_id = by_instance[instance_id]
        tasks.append(dict(id=str(uuid.uuid4()), instance_id=instance_id, project_id=project_id, process_id="lifecycle",
                          bpmn_id="task_project_preparation", name="项目准备", lane="项目建设主管部门",
                          group_code=f"dept:{depts[project_id]}", state="ready",
                          form="project-preparation.schema.json", stage="谋划", created_at=now, overdue=False,
                          due_at=now + timedelta(days=rng.randrange(-30, 60))))
    for start in range(0, len(tasks), 4000):
        db.session.execute(db.insert(TaskIndex), tasks[start:start + 4000])
    db.session.commit()


def with_uploaded_files(schema, data, file_id):
    """The example with every file field pointing at a really uploaded file (examples carry placeholders)."""
    props = schema.get("properties", {})
    out = dict(data)
    for key, spec in props.items():
        if key not in out:
            continue
        if spec.get("format") == "file-id":
            out[key] = file_id
        elif spec.get("type") == "array" and spec.get("items", {}).get("format") == "file-id":
            out[key] = [file_id]
    return out
