"""SQLite's planner statistics are kept by the product itself: `flask db upgrade` leaves them written, and the
scheduler runs a daily job that refreshes them (PostgreSQL's autovacuum does this on its own)."""
from datetime import datetime

from sqlalchemy import text

from engine.db import db as database
from webapp.core import dbstats, extensions


def test_the_scheduler_refreshes_the_statistics_daily(app, db, deployed):
    assert (dbstats.scheduled_refresh, 24 * 60) in extensions.get("periodic_job", app)
    if database.engine.dialect.name != "sqlite":
        return
    from engine.models import Instance, TaskIndex

    database.session.execute(text("DELETE FROM sqlite_stat1"))
    database.session.add(Instance(id=7, version_id=1, process_id="simple", status="running", stage="实施", state="{}",
                                  created_at=datetime(2026, 1, 1), updated_at=datetime(2026, 1, 1)))
    database.session.add_all(TaskIndex(id=f"t{n}", instance_id=7, process_id="simple", bpmn_id="b", name="步骤",
                                       group_code="dept:gaj", state="ready", created_at=datetime(2026, 1, 1))
                             for n in range(20))
    database.session.commit()
    dbstats.scheduled_refresh(app)
    stats = dict(database.session.execute(text("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'task_index'")).all())
    assert stats["ix_task_state_due"].startswith("20 ")  # the planner knows the table's size and the index's spread
