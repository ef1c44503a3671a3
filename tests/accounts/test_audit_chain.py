"""The audit log's hash chain: intact rows verify; an edited, deleted or newest-deleted row is found."""
import threading

import pytest
import sqlalchemy as sa

from engine import audit


def _write(db, n, actor="sysadmin"):
    for i in range(n):
        audit.record("login", actor, payload={"ok": True, "i": i, "名": "张三"}, address="10.0.0.1")
    db.session.commit()


def test_intact_chain_verifies(db):
    _write(db, 3)
    _write(db, 2, actor="auditor")
    assert audit.verify() == []
    seqs = db.session.execute(sa.text("SELECT seq FROM audit_event ORDER BY seq")).scalars().all()
    assert seqs == [1, 2, 3, 4, 5]


def test_edited_row_is_detected(db):
    _write(db, 4)
    db.session.execute(sa.text("UPDATE audit_event SET actor = 'someone' WHERE seq = 2"))
    db.session.commit()
    problems = audit.verify()
    assert any("序号 2" in p and "被修改" in p for p in problems), problems


def test_deleted_row_is_detected(db):
    _write(db, 4)
    db.session.execute(sa.text("DELETE FROM audit_event WHERE seq = 3"))
    db.session.commit()
    assert any("缺失" in p for p in audit.verify())


def test_deleting_the_newest_rows_is_detected(db):
    _write(db, 4)
    db.session.execute(sa.text("DELETE FROM audit_event WHERE seq >= 3"))
    db.session.commit()
    assert any("最新审计记录缺失" in p for p in audit.verify())


def test_row_inserted_around_the_chain_is_detected(db):
    _write(db, 1)
    db.session.execute(sa.text("INSERT INTO audit_event (at, kind, payload) VALUES ('2026-01-01', 'login', '{}')"))
    db.session.commit()
    assert any("不在哈希链上" in p for p in audit.verify())


def test_rolled_back_events_leave_no_gap(db):
    audit.record("login", "x")
    db.session.rollback()
    _write(db, 2)
    assert audit.verify() == []


def test_concurrent_writers_keep_one_chain(app, db):
    """Eight threads commit events at once (PostgreSQL: real concurrency; SQLite: serialized by its lock)."""
    errors = []

    def writer(k):
        try:
            with app.app_context():
                for _ in range(5):
                    audit.record("deploy", f"user{k}")
                    audit.record("deploy", f"user{k}")
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert audit.verify() == []
    assert db.session.execute(sa.text("SELECT max(seq), count(*) FROM audit_event")).one() == (80, 80)


def _unsealed(db):
    return db.session.execute(sa.text("SELECT count(*) FROM audit_event WHERE seq IS NULL")).scalar()


def test_rows_left_waiting_are_sealed_by_the_scheduler_sweep(app, db, monkeypatch):
    from webapp.core import scheduler

    real_seal = audit.seal
    monkeypatch.setattr(audit, "seal", lambda *a, **k: 0)  # as if the process died right after its commit
    _write(db, 3)
    assert _unsealed(db) == 3
    monkeypatch.setattr(audit, "seal", real_seal)
    scheduler.sweep(app)
    assert _unsealed(db) == 0
    assert audit.verify() == []


def test_row_edited_while_waiting_is_never_sealed(db, monkeypatch):
    real_seal = audit.seal
    monkeypatch.setattr(audit, "seal", lambda *a, **k: 0)
    _write(db, 3)
    db.session.execute(sa.text("UPDATE audit_event SET actor = 'someone' WHERE id = (SELECT min(id) FROM audit_event)"))
    db.session.commit()
    monkeypatch.setattr(audit, "seal", real_seal)
    problems = audit.verify()
    assert any("不在哈希链上" in p for p in problems), problems
    assert db.session.execute(sa.text("SELECT seq FROM audit_event WHERE seq IS NOT NULL ORDER BY seq")).scalars().all() == [1, 2]


def test_a_writer_never_waits_for_the_chain_head(app, db):
    """While the head is held (another process sealing), a transaction with audit events still commits at once;
    its rows are sealed by the next step that gets the head."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time whatever the chain does")
    _write(db, 1)
    done = threading.Event()

    def writer():
        with app.app_context():
            audit.record("deploy", "other")
            db.session.commit()
            db.session.remove()
        done.set()

    with db.engine.connect() as holder:
        holder.execute(sa.text("SELECT seq FROM audit_chain WHERE id = 1 FOR UPDATE"))
        thread = threading.Thread(target=writer)
        thread.start()
        assert done.wait(10), "the commit waited for the chain head"
        holder.rollback()
    thread.join()
    assert _unsealed(db) == 1
    assert audit.verify() == []
    assert _unsealed(db) == 0
