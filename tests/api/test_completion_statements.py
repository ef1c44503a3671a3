"""What one task completion through the JSON API asks of the database, pinned so it cannot silently grow.

Counted like bench/statements.py (every statement SQLAlchemy sends from the request's start to its answer,
the token check and the audit seal after the commit included), on the lifecycle's first form with an
uploaded attachment. Counting statements is deterministic: the ceiling sits just above today's figure.
"""
import io
import json

from sqlalchemy import event, text

from engine import audit

from conftest import ROOT

# Token and user; task with its project and the attachment it names; the instance under its project's turn;
# the saved state, closed and opened index rows, audit event and submission; the project's open tasks; the
# attachment bound to the project. Then the seal: PostgreSQL reads the head with the waiting rows and moves
# both in one statement each; SQLite locks and reads the head, reads the rows, and writes rows and head (4).
CEILING = {"postgresql": 12, "sqlite": 14}


def _complete(client, auth, example, schema, name):
    project = client.post("/api/projects", json={"name": name, "build_year": 2027}, headers=auth).json
    [task] = client.get(f"/api/tasks?project_id={project['id']}", headers=auth).json["items"]
    upload = client.post("/api/files", data={"file": (io.BytesIO(b"%PDF-1.7\n% test\n"), "调研报告.pdf")},
                         headers=auth)
    assert upload.status_code == 201, upload.json
    data = dict(example)
    for key, spec in schema["properties"].items():
        if key in data and spec.get("type") == "array" and spec.get("items", {}).get("format") == "file-id":
            data[key] = [upload.json["id"]]
        elif key in data and spec.get("format") == "file-id":
            data[key] = upload.json["id"]
    return lambda: client.post(f"/api/tasks/{task['id']}/complete", json={"data": data}, headers=auth)


def test_one_completion_stays_within_its_statements(app, db, api, real_model):
    schema = json.loads((ROOT / "forms" / "project-preparation.schema.json").read_text(encoding="utf-8"))
    example = schema["examples"][0]
    client, auth = api.client, {"Authorization": f"Bearer {api.token('dept_gaj')}"}
    first = _complete(client, auth, example, schema, "语句计数项目甲")
    assert first().status_code == 200  # caches (model files, settings, delegations) are warm after this one
    second = _complete(client, auth, example, schema, "语句计数项目乙")
    seen = []

    def count(_conn, _cursor, statement, *_):
        seen.append(statement.split(None, 3)[:3])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        r = second()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert r.status_code == 200, r.json
    assert r.json["task"]["state"] == "completed" and r.json["next"]
    assert len(seen) <= CEILING[db.engine.dialect.name], seen


def test_a_request_seals_its_rows_once_its_answer_is_sent(app, db, api, real_model):
    """The seal waits until the server closes the answer (WSGI): the rows are committed with their digests
    before the answer, and join the chain once it has gone out."""
    client = app.test_client()
    auth = {"Authorization": f"Bearer {api.token('dept_gaj')}"}
    audit.seal()
    r = client.open("/api/projects", method="POST", json={"name": "审计封链项目", "build_year": 2027}, headers=auth,
                    buffered=False)
    assert r.status_code == 201, r.json
    assert _unsealed(db) >= 1  # answered: committed, not yet in the chain
    db.session.rollback()  # a new read, not this transaction's snapshot
    r.close()  # what the server does once the answer has been sent
    assert _unsealed(db) == 0
    assert audit.verify() == []


def _unsealed(db):
    return db.session.execute(text("SELECT count(*) FROM audit_event WHERE seq IS NULL")).scalar()
