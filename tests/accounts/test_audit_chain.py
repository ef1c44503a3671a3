"""The audit log's hash chain: intact rows verify; an edited, deleted or newest-deleted row is found."""
import threading

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
