"""Statements per task completion through the JSON API (issue 14): what one completion asks of the database.

Counted in-process with the Flask test client (the same request handling gunicorn runs), every
statement SQLAlchemy sends between the request's start and its response, token check included.
"""
import json
import time
import uuid
from collections import Counter

from sqlalchemy import event

from engine.db import db
from engine.models import TaskIndex
from webapp.accounts.models import User

from .http import PASSWORD, _seed, _upload, with_uploaded_files
from .scenarios import REPO, example_of, row


class StatementLog:
    """Every statement the app's engine executes while active, by its first words; and the transactions
    (BEGIN and COMMIT each a round trip of their own on PostgreSQL, unless the connection autocommits)."""

    def __init__(self, engine):
        self.engine, self.kinds, self.transactions, self.active = engine, Counter(), 0, False

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        event.listen(self.engine, "commit", self._committed)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)
        event.remove(self.engine, "commit", self._committed)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            self.kinds[_kind(statement)] += 1

    def _committed(self, conn):
        if self.active and conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            self.transactions += 1


def _kind(statement):
    """'SELECT task_index', 'UPDATE instances', 'INSERT audit_events', 'pg_advisory_xact_lock'…"""
    words = statement.replace("(", " ").replace(",", " ").split()
    verb = words[0].upper()
    after = {"SELECT": "FROM", "UPDATE": "UPDATE", "INSERT": "INTO", "DELETE": "FROM"}.get(verb)
    if after and after in words[1:] and verb != "UPDATE":
        return f"{verb} {words[words.index(after, 1) + 1]}"
    if verb == "UPDATE":
        return f"UPDATE {words[1]}"
    return " ".join(words[:2])


def scenario_statements(app, quick):
    from webapp.projects import services as projects

    _seed(app)
    n = 10 if quick else 40
    user = db.session.execute(db.select(User).filter_by(username="dept_gaj")).scalar_one()
    created = [projects.create_project(user, f"语句计数{uuid.uuid4().hex[:8]}", 2027) for _ in range(n)]
    task_ids = [db.session.execute(db.select(TaskIndex.id).filter_by(project_id=p.id, state="ready")).scalar_one()
                for p in created]
    schema = json.loads((REPO / "forms" / "project-preparation.schema.json").read_text(encoding="utf-8"))
    data = example_of("project-preparation.schema.json")
    bodies = [{"data": with_uploaded_files(schema, data, _upload(user))} for _ in task_ids]
    db.session.remove()
    client = app.test_client()
    token = client.post("/api/auth/token", json={"username": "dept_gaj", "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    log = StatementLog(db.engine)
    samples = []
    with log:
        for task_id, body in zip(task_ids, bodies):
            log.active = True
            t0 = time.perf_counter()
            r = client.post(f"/api/tasks/{task_id}/complete", json=body, headers=headers)
            samples.append(time.perf_counter() - t0)
            log.active = False
            assert r.status_code == 200, r.get_json()
    per = sum(log.kinds.values()) / n
    trips = per + 2 * log.transactions / n if db.engine.dialect.name == "postgresql" else None
    detail = ", ".join(f"{k}×{v / n:g}" for k, v in log.kinds.most_common())
    if trips is not None:
        detail = f"往返 {trips:.1f} 次（语句加每个事务的 BEGIN、COMMIT）；" + detail
    return row("statements_per_completion", "经 HTTP API 完成一个用户任务的 SQL 语句数（含鉴权与提交）",
               f"{per:.1f}", None, None, "越少越好", True, detail, statements=per, round_trips=trips,
               kinds=dict(log.kinds), n=n)
