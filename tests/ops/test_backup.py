"""`flask backup` / `flask restore` while a client completes tasks (issue 14), on the session's database.

The backup is taken while a client completes tasks through the API; it is restored into a new, empty
database served by its own gunicorn; every API listing of the copy equals the original's, except what
the client changed after the backup began (each of those items must be as it was either before or after
its completion: a consistent snapshot, nothing half-written).
"""
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.api.conftest import PASSWORD, users  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n% backup test\n"


def flask(*args, url):
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "DATABASE_URL": url}, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A second, empty database of the same kind (dropped afterwards)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import sqlalchemy as sa

    name = database_url.rsplit("/", 1)[1] + "_restored"
    admin = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    yield database_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


class Gunicorn:
    def __init__(self, url):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.base = f"http://127.0.0.1:{probe.getsockname()[1]}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--workers", "1",
             "--bind", self.base[7:], "webapp:create_app()"], cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url, "EGOV_ACCESS_LOG": "/dev/null"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.base}/api/openapi.json", timeout=30)
                return
            except requests.RequestException:  # not listening yet, or still importing the app
                time.sleep(0.3)
        self.stop()  # never leave it running behind a failed test
        raise RuntimeError("gunicorn did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(30)


LISTINGS = [  # (who, path): every listing of the API a role reads
    ("dept_gaj", "/api/projects"), ("dept_gaj", "/api/tasks"), ("dept_gaj", "/api/notifications"),
    ("sgj", "/api/projects"), ("sgj", "/api/tasks"), ("sgj", "/api/reports/plan?year=2027"),
    ("sgj", "/api/reports/funds"), ("admin", "/api/instances"), ("admin", "/api/cockpit/instances"),
    ("admin", "/api/incidents"), ("admin", "/api/models"),
]


def _all_items(base, token, path):
    items, page = [], 1
    while True:
        joiner = "&" if "?" in path else "?"
        r = requests.get(f"{base}{path}{joiner}page={page}&per_page=100",
                         headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        body = r.json()
        if not isinstance(body, dict) or "items" not in body:
            return [body]
        items += body["items"]
        if len(items) >= body.get("total", 0) or not body["items"]:
            return items
        page += 1


def _touched(item, projects, path):
    """Whether a listed item is about one of `projects` (a project itself, or anything with its project_id)."""
    if not isinstance(item, dict):
        return False
    if path.startswith("/api/projects") and item.get("id") in projects:
        return True
    return item.get("project_id") in projects


def test_backup_while_completing_then_restore_into_an_empty_database(app, db, users, live_server,  # noqa: F811
                                                                      empty_database, tmp_path):
    url = os.environ["DATABASE_URL"]
    flask("models", "deploy", url=url)
    tokens = {u: requests.post(f"{live_server}/api/auth/token", json={"username": u, "password": PASSWORD},
                               timeout=30).json()["token"] for u in ("dept_gaj", "sgj", "admin")}
    dept = {"Authorization": f"Bearer {tokens['dept_gaj']}"}
    tasks = []
    for i in range(40):
        r = requests.post(f"{live_server}/api/projects", json={"name": f"备份测试项目{i:02d}", "build_year": 2027},
                          headers=dept, timeout=60)
        assert r.status_code == 201, r.text
        ready = requests.get(f"{live_server}/api/tasks?project_id={r.json()['id']}", headers=dept, timeout=60).json()
        tasks += [(t["id"], r.json()["id"]) for t in ready["items"]]
    form = json.loads((ROOT / "forms" / "project-preparation.schema.json").read_text(encoding="utf-8"))
    files = [k for k, v in form["properties"].items() if v.get("format") == "file-id"]
    lists = [k for k, v in form["properties"].items() if v.get("items", {}).get("format") == "file-id"]

    log, stop = [], threading.Event()

    def client():  # completes the tasks one after another until told to stop
        for task_id, project_id in tasks:
            if stop.is_set():
                return
            up = requests.post(f"{live_server}/api/files", files={"file": ("报告.pdf", PDF, "application/pdf")},
                               headers=dept, timeout=60).json()["id"]
            data = {**form["examples"][0], **{k: up for k in files}, **{k: [up] for k in lists}}
            began = time.time()
            r = requests.post(f"{live_server}/api/tasks/{task_id}/complete", json={"data": data}, headers=dept,
                              timeout=60)
            log.append((project_id, began, time.time(), r.status_code))
            time.sleep(0.15)  # a person's pace: the completions go on through the whole backup

    worker = threading.Thread(target=client)
    worker.start()
    while len(log) < 2:
        time.sleep(0.05)
    flask("backup", str(tmp_path / "backup"), url=url)
    stop.set()
    worker.join(120)
    assert log and all(status == 200 for *_, status in log), log
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
    first, last = manifest["snapshot_between"]
    before = {p for p, _, ended, _ in log if ended < first}  # committed before the snapshot
    after = {p for p, began, _, _ in log if began > last}  # begun after it
    moving = {p for p, _, _, _ in log} - before - after
    assert before and after, "the client's completions must go on before and after the snapshot"

    assert "恢复完成" in flask("restore", str(tmp_path / "backup"), url=empty_database)
    copy = Gunicorn(empty_database)
    try:
        for who, path in LISTINGS:  # equal, but for the projects the client changed after the snapshot
            original = [i for i in _all_items(live_server, tokens[who], path) if not _touched(i, moving | after, path)]
            restored = [i for i in _all_items(copy.base, tokens[who], path) if not _touched(i, moving | after, path)]
            assert restored == original, (who, path)
        seen = requests.get(f"{copy.base}/api/projects?per_page=100", headers=dept, timeout=60).json()["items"]
        assert {p["id"] for p in seen} == {p for _, p in tasks}
        for project_id in before | after:  # completed before the snapshot: done in the copy; after: still open
            r = requests.get(f"{copy.base}/api/tasks?project_id={project_id}", headers=dept, timeout=60).json()
            still_open = any(t["bpmn_id"] == "task_project_preparation" for t in r["items"])
            assert still_open == (project_id in after), project_id
        r = requests.get(f"{copy.base}/api/projects/{min(before)}", headers=dept, timeout=60)
        assert r.status_code == 200  # the project page reads back from the copy
    finally:
        copy.stop()


def test_restore_refuses_a_database_that_is_not_empty(app, db, tmp_path):
    url = os.environ["DATABASE_URL"]
    flask("backup", str(tmp_path / "b"), url=url)
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", "restore", str(tmp_path / "b")], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "DATABASE_URL": url}, timeout=300)
    assert done.returncode != 0 and "不是空库" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
