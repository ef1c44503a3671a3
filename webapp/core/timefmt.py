"""Time as the product shows it: stored instants are naive UTC; people see Beijing time."""
from datetime import date, datetime, timezone

from engine import clock


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


def _as_datetime(value):
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(clock.BEIJING)
    return value


def fmt_dt(value):
    value = _as_datetime(value)
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else (value or "")


def fmt_date(value):
    """A deadline shown as its day: 24:00 of a day is shown as that day, not the next one."""
    value = _as_datetime(value)
    if isinstance(value, datetime):
        if value.hour == 0 and value.minute == 0 and value.second == 0:
            value = value.fromordinal(value.toordinal() - 1)
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return value or ""
