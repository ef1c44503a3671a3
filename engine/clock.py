"""The one clock every part of the system reads.

Real time plus an offset an operator may store in the database (演练模式, `flask clock set`), so a
training system can be moved through the years as a whole: web, scheduler and CLI all read it.
Tests move real time with time-machine instead.
"""
import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
_OFFSET_TTL = 2.0  # seconds a process trusts its cached offset
_cache = {"offset": timedelta(0), "read_at": None}


def _offset():
    read_at = _cache["read_at"]
    mono = time.monotonic()
    if read_at is None or mono - read_at > _OFFSET_TTL:
        _cache["offset"] = _load_offset()
        _cache["read_at"] = mono
    return _cache["offset"]


def _load_offset():
    from .settings import read_setting_outside_session  # late: needs an app context

    try:
        seconds = read_setting_outside_session("clock_offset_seconds")
    except Exception:  # no app context or no table yet: plain real time
        return timedelta(0)
    return timedelta(seconds=float(seconds or 0))


def forget_offset():
    """Drop the cached offset so the next read goes to the database."""
    _cache["read_at"] = None


def now():
    """The current instant, timezone-aware UTC."""
    return datetime.now(timezone.utc) + _offset()


def today():
    """Today's date in Beijing."""
    return now().astimezone(BEIJING).date()


def as_utc(value):
    """A datetime (naive means UTC, as stored) or ISO string as aware UTC; a date means its 24:00 in Beijing."""
    if value is None:
        return None
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=BEIJING) + timedelta(days=1)
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class ClockDatetime(datetime):
    """datetime whose now() is the system clock; handed to SpiffWorkflow's timer code."""

    @classmethod
    def now(cls, tz=None):
        current = now()
        return current.astimezone(tz) if tz else current.replace(tzinfo=None)


def install_into_spiff():
    """SpiffWorkflow's timers call datetime.now() directly; make them read our clock."""
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = ClockDatetime
