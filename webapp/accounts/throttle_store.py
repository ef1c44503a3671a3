"""A `limits` storage on the application database (`egov-db://`), so every web process counts one address's
sign-in attempts together without another service to run.

Each hit is one INSERT … ON CONFLICT DO UPDATE … RETURNING on `rate_counter`: atomic on SQLite and
PostgreSQL alike, whichever gunicorn worker serves the request. It runs on a connection of its own and
commits at once, so a counted attempt stays counted whatever the request does afterwards.
"""
import hashlib
import time

from limits.storage import Storage
from sqlalchemy import case
from sqlalchemy.exc import SQLAlchemyError

from engine.db import db, insert_or_merge

from .credentials import RateCounter

SCHEME = "egov-db"


def _key(key):
    return key if len(key) <= 200 else "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def _connection():
    """A connection beside the request's session. A read transaction the request has open is ended first:
    SQLite could not later turn that snapshot into a write once this connection has written."""
    session = db.session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()
    return db.engine.begin()


class DatabaseStorage(Storage):
    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri=None, wrap_exceptions=False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key, expiry, amount=1):
        now = time.time()
        table = RateCounter.__table__
        stale = table.c.expires_at <= now
        statement = insert_or_merge(RateCounter).values(key=_key(key), hits=amount, expires_at=now + expiry)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"hits": case((stale, statement.excluded.hits), else_=table.c.hits + statement.excluded.hits),
                  "expires_at": case((stale, statement.excluded.expires_at), else_=table.c.expires_at)},
        ).returning(table.c.hits)
        with _connection() as conn:
            return conn.execute(statement).scalar_one()

    def _row(self, key):
        table = RateCounter.__table__
        with _connection() as conn:
            return conn.execute(db.select(table.c.hits, table.c.expires_at)
                                .where(table.c.key == _key(key), table.c.expires_at > time.time())).first()

    def get(self, key):
        row = self._row(key)
        return row.hits if row else 0

    def get_expiry(self, key):
        row = self._row(key)
        return row.expires_at if row else time.time()

    def check(self):
        try:
            with _connection() as conn:
                conn.execute(db.select(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self):
        with _connection() as conn:
            return conn.execute(db.delete(RateCounter.__table__)).rowcount

    def clear(self, key):
        with _connection() as conn:
            conn.execute(db.delete(RateCounter.__table__).where(RateCounter.__table__.c.key == _key(key)))


def sweep():
    """Delete counters whose window has passed (run by the scheduler; a stale one is also reset on use)."""
    db.session.execute(db.delete(RateCounter).where(RateCounter.expires_at <= time.time()))
