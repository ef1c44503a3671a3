"""The one SQLAlchemy handle shared by the engine and the web app."""
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Stable constraint names so Alembic migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))

INT_MAX = 2**31 - 1  # INTEGER columns (PostgreSQL int4); SQLite cannot even bind an int beyond 64 bits


def fits_integer(value):
    """Whether `value` is an int an INTEGER column can hold (so a key lookup with it cannot fail in the driver)."""
    return isinstance(value, int) and not isinstance(value, bool) and -INT_MAX - 1 <= value <= INT_MAX


def insert_or_merge(model):
    """An INSERT that can say what to do when the row already exists (`on_conflict_do_nothing` /
    `on_conflict_do_update`): both databases speak the clause, each through its own dialect's insert.
    Two requests writing the same row at once then both succeed, where a read-then-insert has one fail."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)
