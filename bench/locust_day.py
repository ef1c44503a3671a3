"""A city's working day under Locust (issue 14): the app as production runs it (gunicorn with
deploy/gunicorn.conf.py), 200 accounts of every role, 50 people at once, on a database of its own.

    python -m bench.locust_day --database URL --workers N --duration SECONDS

prints one JSON object: p50/p95 per kind of request and completions per second. `scenario_locust`
runs it for 1, 2 and 4 workers on PostgreSQL and 1 on SQLite (bench: `python -m bench --locust`).
"""
import argparse
import csv
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PEOPLE, AT_ONCE = 200, 50
ROLES = [("dept", 150), ("sgj", 15), ("fgw", 8), ("czj", 8), ("szf", 9), ("admin", 10)]
WORDS = ["平台", "系统", "数据", "政务", "警务", "教育", "医疗", "共享"]
PROJECT_NAMES = ["{d}数据共享平台", "{d}政务服务系统", "{d}智慧监管平台", "{d}业务协同系统", "{d}数据治理工程"]


def prepare(url, projects_per_person, out):
    """Migrate, deploy the model, make the accounts (tokens issued directly) and their projects."""
    os.environ["DATABASE_URL"] = url
    from flask_migrate import upgrade

    from webapp import create_app

    app = create_app({"TESTING": True})
    with app.app_context():
        upgrade(directory=str(REPO / "migrations"))
        runner = app.test_cli_runner()
        for args in (["models", "deploy"], ["seed-demo"]):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
        accounts = _accounts(projects_per_person)
        from engine.db import db

        db.session.remove()
        db.engine.dispose()
    Path(out).write_text(json.dumps(accounts, ensure_ascii=False))


def _accounts(projects_per_person):
    from werkzeug.security import generate_password_hash

    from engine.db import db
    from engine.models import TaskIndex
    from engine.runtime import unit_of_work
    from webapp.accounts.models import User
    from webapp.accounts.services import issue_token
    from webapp.core.models import Department
    from webapp.projects.services import create_project

    departments = sorted(db.session.execute(db.select(Department.code, Department.name)).all())
    password = generate_password_hash("bench-only", method="pbkdf2:sha256:1000")
    users, n = [], 0
    with unit_of_work():
        for role, count in ROLES:
            for i in range(count):
                n += 1
                code, _ = departments[i % len(departments)]
                groups = [f"dept:{code}"] if role == "dept" else [role]
                user = User(username=f"bench{n:03d}", display_name=f"测试用户{n:03d}",
                            department_code=code if role == "dept" else None, password_hash=password)
                db.session.add(user)
                db.session.flush()
                user.set_groups(groups)
                users.append((user, role))
    accounts, all_projects = [], []
    for k, (user, role) in enumerate(users):
        mine, tasks = [], []
        if role == "dept":
            name = dict(departments)[user.department_code]
            for j in range(projects_per_person):
                title = PROJECT_NAMES[(k + j) % len(PROJECT_NAMES)].format(d=name) + f"（{k:03d}-{j}）"
                project = create_project(user, title, 2027)
                mine.append(project.id)
                tasks += db.session.execute(db.select(TaskIndex.id).filter_by(project_id=project.id,
                                                                              state="ready")).scalars().all()
        all_projects += mine
        token, _ = issue_token(user)
        accounts.append({"token": token, "role": role, "projects": mine, "tasks": tasks})
    random.Random(14).shuffle(accounts)  # the 50 at once are of every role, as in a real morning
    example = json.loads((REPO / "forms" / "project-preparation.schema.json").read_text(encoding="utf-8"))
    props = example.get("properties", {})
    return {"users": accounts, "projects": all_projects, "words": WORDS, "form": example["examples"][0],
            "file_fields": [k for k, v in props.items() if v.get("format") == "file-id"],
            "file_list_fields": [k for k, v in props.items()
                                 if v.get("type") == "array" and v.get("items", {}).get("format") == "file-id"]}


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def day(url, workers, duration, projects_per_person):
    with tempfile.TemporaryDirectory() as tmp:
        accounts = Path(tmp) / "accounts.json"
        subprocess.run([sys.executable, "-m", "bench.locust_day", "--prepare", "--database", url,
                        "--projects", str(projects_per_person), "--out", str(accounts)], cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL)
        port = _free_port()
        env = {**os.environ, "DATABASE_URL": url, "EGOV_ACCESS_LOG": "/dev/null"}
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--workers",
                                   str(workers), "--bind", f"127.0.0.1:{port}", "webapp:create_app()"],
                                  cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_up(port)
            subprocess.run([sys.executable, "-m", "locust", "-f", str(REPO / "bench" / "locustfile.py"), "--headless",
                            "-u", str(AT_ONCE), "-r", "10", "-t", f"{duration}s", "--host", f"http://127.0.0.1:{port}",
                            "--csv", str(Path(tmp) / "day"), "--only-summary", "--stop-timeout", "10",
                            "--loglevel", "WARNING"],
                           cwd=REPO, env={**env, "BENCH_ACCOUNTS": str(accounts)}, check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            server.terminate()  # SIGTERM: gunicorn lets the requests in flight finish
            server.wait(timeout=60)
        return _figures(Path(tmp) / "day_stats.csv", duration)


def _wait_up(port):
    import http.client

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/openapi.json")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start")


def _figures(stats_csv, duration):
    kinds = {}
    with open(stats_csv, encoding="utf-8") as fh:
        for line in csv.DictReader(fh):
            if line["Name"] == "Aggregated":
                continue
            kinds[line["Name"]] = {"n": int(line["Request Count"]), "failures": int(line["Failure Count"]),
                                   "p50_ms": float(line["50%"]), "p95_ms": float(line["95%"])}
    failures = {}
    failures_csv = Path(str(stats_csv).replace("_stats.csv", "_failures.csv"))
    if failures_csv.exists():
        with open(failures_csv, encoding="utf-8") as fh:
            for line in csv.DictReader(fh):
                failures[f"{line['Name']}: {line['Error'][:120]}"] = int(line["Occurrences"])
    done = kinds.get("办理（完成任务）", {"n": 0, "failures": 0})
    return {"kinds": kinds, "completions": done["n"] - done["failures"],
            "completions_per_s": (done["n"] - done["failures"]) / duration, "duration_s": duration, "failures": failures}


def scenario_locust(app, quick):
    from .scenarios import row

    duration = 30 if quick else 120
    per_person = 3 if quick else 8
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://", 1)
    configs = []
    if url.startswith("postgresql"):
        configs += [("postgresql", n) for n in (1, 2, 4)]
    configs.append(("sqlite", 1))
    rows, figures = [], {}
    for dialect, workers in configs:
        with _scratch(dialect, url) as scratch:
            got = day(scratch, workers, duration, per_person)
        figures[(dialect, workers)] = got
        kinds = "；".join(f"{k} p50 {v['p50_ms']:.0f}/p95 {v['p95_ms']:.0f} ms（{v['n']} 次，失败 {v['failures']}）"
                         for k, v in sorted(got["kinds"].items()))
        rows.append(row(f"locust_{dialect}_{workers}", f"Locust 工作日（{dialect}，gunicorn {workers} 个进程）：每秒完成任务",
                        f"{got['completions_per_s']:.2f}/s", None, None, "（报告）", True,
                        f"{PEOPLE} 个账号、{AT_ONCE} 人同时在线、{duration} 秒：{kinds}", **got))
    if ("postgresql", 1) in figures:
        one, four = figures[("postgresql", 1)]["completions_per_s"], figures[("postgresql", 4)]["completions_per_s"]
        two = figures[("postgresql", 2)]["completions_per_s"]
        rows.append(row("locust_scaling", "Locust：4 个进程对比 1 个进程的每秒完成数（PostgreSQL）",
                        f"{four:.2f}/s", f"{one:.2f}/s", four / one if one else None, "（报告）", True,
                        f"2 个进程 {two:.2f}/s（{two / one if one else 0:.2f}×）；本机 {os.cpu_count()} 个 CPU 核，与其他负载共享"))
    return rows


class _scratch:
    """A fresh database of the same kind for one run, dropped afterwards."""

    def __init__(self, dialect, url):
        self.dialect, self.url = dialect, url

    def __enter__(self):
        if self.dialect == "sqlite":
            self.tmp = tempfile.TemporaryDirectory()
            return f"sqlite:///{self.tmp.name}/day.sqlite3"
        import sqlalchemy as sa

        self.admin = sa.create_engine(self.url.replace("postgresql://", "postgresql+psycopg://", 1),
                                      isolation_level="AUTOCOMMIT")
        self.name = f"egov_day_{os.getpid()}_{int(time.time() * 1000) % 100000}"
        with self.admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {self.name}"))
        return self.url.rsplit("/", 1)[0] + "/" + self.name

    def __exit__(self, *exc):
        if self.dialect == "sqlite":
            self.tmp.cleanup()
            return
        import sqlalchemy as sa

        with self.admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)"))
        self.admin.dispose()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Locust 工作日负载")
    parser.add_argument("--database", required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--projects", type=int, default=4, help="projects per department account")
    parser.add_argument("--prepare", action="store_true", help="only prepare the database and write --out")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if args.prepare:
        prepare(args.database, args.projects, args.out)
        return 0
    print(json.dumps(day(args.database, args.workers, args.duration, args.projects), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
