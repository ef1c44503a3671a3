"""The query planner's statistics kept current: SQLite plans from sqlite_stat1 only, which nothing fills
unless asked (PostgreSQL's autovacuum analyzes by itself). Run by the scheduler once a day and after
`flask db upgrade`; a full ANALYZE of ten years of a city (900 MB) takes about a second and a half."""
import logging

from sqlalchemy import text

log = logging.getLogger("egov.dbstats")
DAILY_MINUTES = 24 * 60


def refresh(connection):
    """SQLite: a full ANALYZE. Not `PRAGMA optimize`: before SQLite 3.46 it skips the tables the calling
    connection has not queried (all of them, in a job of its own), and from 3.46 it samples under an
    analysis limit, and sampled statistics misjudge the task index (every 进度表 task alike) and pick full
    scans. Returns whether anything ran."""
    if connection.dialect.name != "sqlite":
        return False
    connection.execute(text("ANALYZE"))
    connection.commit()
    return True


def scheduled_refresh(app):
    """The scheduler's daily job."""
    from engine.db import db

    with app.app_context():
        try:
            with db.engine.connect() as connection:
                refresh(connection)
        except Exception:  # statistics are an optimisation: a failure waits for tomorrow's run
            log.exception("refreshing the planner statistics failed")
