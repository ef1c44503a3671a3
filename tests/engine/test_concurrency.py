"""Concurrent users: of two completions of one task exactly one wins; nothing of the loser is kept."""
import threading

import pytest

from engine import runtime
from engine.db import db as database
from engine.errors import Conflict, EngineError
from engine.models import AuditEvent, Instance, Submission, TaskIndex


def test_concurrent_double_completion(app, deployed, actor, monkeypatch):
    with runtime.unit_of_work():
        row = runtime.start_instance("simple", project_id=5, owner_group="dept:gaj", data={"build_year": 2027})
    [task] = runtime.open_tasks(row.id)
    version_before = row.lock_version
    task_id, instance_id = task.id, row.id

    # Both requests pass the task's state check and reach the instance's row together (a broken barrier
    # fails the test: it would mean the requests ran one after the other).
    postgres = database.engine.dialect.name == "postgresql"
    started = threading.Barrier(2, timeout=10)
    loaded = threading.Barrier(2, timeout=10)
    real_load_row, real_workflow = runtime.tasks._load_row, runtime.tasks._workflow
    seen_versions = []

    def load_row_together(instance_id, **kw):
        started.wait()
        return real_load_row(instance_id, **kw)

    def loaded_together(instance_row):
        seen_versions.append(instance_row.lock_version)
        wf = real_workflow(instance_row)
        if not postgres:
            loaded.wait()  # SQLite: both hold the same state; the version check on saving refuses the second
        return wf

    monkeypatch.setattr(runtime.tasks, "_load_row", load_row_together)  # complete_task loads through these
    monkeypatch.setattr(runtime.tasks, "_workflow", loaded_together)
    results = {}

    def complete(name, amount):
        with app.app_context():
            try:
                runtime.complete_task(task_id, {"amount_wan": amount, "own_funds_wan": amount, "other_funds_wan": 0},
                                      actor(name, "dept:gaj"))
                results[name] = "ok"
            except EngineError as exc:
                results[name] = exc

    threads = [threading.Thread(target=complete, args=(n, a)) for n, a in (("u1", 10), ("u2", 20))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    winners = [n for n, r in results.items() if r == "ok"]
    losers = [r for r in results.values() if r != "ok"]
    assert len(winners) == 1 and len(losers) == 1 and isinstance(losers[0], Conflict)
    database.session.expire_all()
    [submission] = database.session.query(Submission).all()
    assert submission.submitted_by == winners[0]
    assert submission.data["amount_wan"] == {"u1": 10, "u2": 20}[winners[0]]
    assert database.session.get(TaskIndex, task_id).completed_by == winners[0]
    assert database.session.get(Instance, instance_id).lock_version == version_before + 1
    assert database.session.query(AuditEvent).filter_by(kind="complete").count() == 1
    assert [t.bpmn_id for t in runtime.open_tasks(instance_id)] == ["review"]
    # PostgreSQL: the row lock held the second back until the first committed, so it read the new version;
    # SQLite: both read the same version.
    expected = [version_before, version_before + 1] if postgres else [version_before, version_before]
    assert sorted(seen_versions) == expected
