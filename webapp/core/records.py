"""Looking rows up from request values: ids a database INTEGER can hold, one row or a Chinese 404."""
import re

from engine.db import db, fits_integer
from engine.errors import NotFound

_INTEGER = re.compile(r"-?[0-9]{1,19}")


def db_int(value):
    """`value` as an int an INTEGER column can hold, or None: not a whole number, or out of that range.

    Ids and numbers from requests go through it before they reach a query: SQLite cannot bind an int of more
    than 64 bits at all and PostgreSQL refuses one above int4 in an INTEGER column, both as a 500.
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    if isinstance(value, str):
        # The one parser of ids and numbers from requests: ASCII digits and an optional minus only. int()
        # alone takes "١٢", " 12", "1_2"; str.isdigit() passes "²", which int() then refuses with a 500.
        if not _INTEGER.fullmatch(value):
            return None
        value = int(value)
    return value if fits_integer(value) else None


def get_or_404(model, key, message):
    """The row of `model` with this primary key, or NotFound(message)."""
    row = None if isinstance(key, int) and db_int(key) is None else db.session.get(model, key)
    if row is None:
        raise NotFound(message)
    return row
