"""Small key-value settings stored in the database (clock offset, bulletin rules, ...)."""
import json

from .db import db
from .models import Setting


def get_setting(key, default=None):
    row = db.session.get(Setting, key)
    return default if row is None else json.loads(row.value)


def set_setting(key, value):
    row = db.session.get(Setting, key)
    if row is None:
        row = Setting(key=key)
        db.session.add(row)
    row.value = json.dumps(value, ensure_ascii=False)


def read_setting_outside_session(key):
    """Read a setting on its own connection, so a missing table never spoils the caller's transaction."""
    with db.engine.connect() as conn:
        value = conn.execute(db.select(Setting.value).where(Setting.key == key)).scalar()
    return None if value is None else json.loads(value)
