"""A pooled PostgreSQL connection that the server dropped while it sat idle is replaced before use, not failed on."""
import pytest
import sqlalchemy as sa

from webapp.core import app as core_app


def test_a_dropped_idle_connection_is_replaced(db, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server that drops connections")
    db.session.remove()
    conn, other = db.engine.connect(), db.engine.connect()
    victim = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    conn.close()  # back to the pool, where the server drops it, as a restart would
    other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
    other.close()
    monkeypatch.setattr(core_app, "IDLE_PING_SECONDS", 0.0)  # every pooled connection counts as idle now
    try:
        for _ in range(3):  # whichever pooled connection comes out, the query works
            with db.engine.connect() as conn:
                assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    finally:
        db.engine.dispose()  # no dead connection is left for the next test
