"""The one service layer the UI views and the JSON API both call (DESIGN decision 11).

Every function takes the acting `User` first, checks what that user may see or do, and raises
engine.errors (NotFound, Forbidden, Invalid, Conflict) with Chinese messages; callers only render.
"""
from datetime import timezone

from engine import clock
from engine.errors import NotFound


def db_int(value):
    """`value` as an int an INTEGER column can hold, or None: not a whole number, or out of that range.

    Ids and numbers from requests go through it before they reach a query: SQLite cannot bind an int of more
    than 64 bits at all and PostgreSQL refuses one above int4 in an INTEGER column, both as a 500.
    """
    from engine.db import fits_integer

    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if fits_integer(number) else None


def iso(value):
    """A stored naive-UTC datetime as ISO 8601 in Beijing time (None stays None)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(clock.BEIJING).isoformat(timespec="seconds")


def now_naive():
    """The system clock as stored in the database: naive UTC."""
    return clock.now().replace(tzinfo=None)


def page_of(query, page, per_page, session):
    """(rows, total) of one page of a select; page and per_page are already checked."""
    from sqlalchemy import func, select

    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar()
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return rows, total


def get_or_404(model, key, message):
    """The row of `model` with this primary key, or NotFound(message)."""
    from engine.db import db

    row = None if isinstance(key, int) and db_int(key) is None else db.session.get(model, key)
    if row is None:
        raise NotFound(message)
    return row
