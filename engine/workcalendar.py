"""Working days and the deadline helpers that BPMN scripts call (docs/modelling.md, SPEC §7).

A day is a working day when an administrator says so (CalendarOverride), else when the official
calendar of the `chinese_calendar` package says so for the years it covers, else Monday–Friday.

Every helper accepts a `date` or an ISO string and returns ISO strings, because whatever a script
computes lands in task data, which must stay JSON.
"""
import calendar
import contextlib
import contextvars
import re
import threading
import time
from datetime import date, datetime, time as dtime, timedelta

import chinese_calendar

from . import clock

REPORT_DAY = 20  # 进度表 is due by this day of each month (SPEC §7: "configurable")
DECLARATION_MONTH_DAY = (6, 30)  # 申报 closes on this day of the year before build_year
REVIEW_WINDOW = ((7, 1), (9, 30))  # 预审 and 专家论证 of a round: 7月1日–9月30日 of the year before build_year
MAX_WORKDAY_STEPS = 3660  # guard: add_workdays with an absurd n must not spin for ever
_OVERRIDES_TTL = 60.0  # seconds; other processes (scheduler, web workers) see an edit this late at worst

# The names a BPMN script may call; scripting.py exposes exactly these (plus notify).
HELPERS = (
    "today", "now_iso", "is_workday", "next_workday", "add_workdays", "workdays_before", "add_months",
    "month_deadline", "report_deadline", "next_month", "month_of", "declaration_deadline",
    "review_window_opens", "review_window_due",
    "end_of_day", "start_of_day", "after",
)

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


# --- parsing -------------------------------------------------------------------------------------

def _date(value):
    """A date from a date, a datetime (its Beijing date when aware) or an ISO string."""
    if isinstance(value, datetime):
        return value.astimezone(clock.BEIJING).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            return _date(datetime.fromisoformat(text))
        except ValueError:
            pass
    raise ValueError(f"不是有效的日期：{value!r}（应为日期，如 2026-03-31）")


def _month(value):
    """(year, month) from 'YYYY-MM' or anything _date accepts."""
    if isinstance(value, str):
        match = _MONTH_RE.match(value.strip())
        if match and 1 <= int(match.group(2)) <= 12:
            return int(match.group(1)), int(match.group(2))
        if len(value.strip()) == 7:
            raise ValueError(f"不是有效的月份：{value!r}（应为月份，如 2026-03）")
    day = _date(value)
    return day.year, day.month


def _instant(value):
    """An aware datetime; a bare date means its 24:00 Beijing, a naive date-time is Beijing time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date) or (isinstance(value, str) and len(value.strip()) == 10):
        return datetime.combine(_date(value) + timedelta(days=1), dtime(0), clock.BEIJING)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"不是有效的时间：{value!r}（应为 ISO 格式，如 2025-06-30T24:00+08:00）") from None
    else:
        raise ValueError(f"不是有效的时间：{value!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.BEIJING)


# --- administrator overrides ---------------------------------------------------------------------

_forced = contextvars.ContextVar("calendar_overrides_forced", default=None)
_cache = {"app": None, "overrides": {}, "read_at": None}
_cache_lock = threading.Lock()


def invalidate():
    """Forget the cached overrides; call after an administrator edits them."""
    with _cache_lock:
        _cache["read_at"] = None


@contextlib.contextmanager
def use_overrides(mapping):
    """Use these overrides ({date or 'YYYY-MM-DD': is_workday}) instead of the database (tests)."""
    token = _forced.set({_date(day): bool(flag) for day, flag in mapping.items()})
    try:
        yield
    finally:
        _forced.reset(token)


def _overrides():
    forced = _forced.get()
    if forced is not None:
        return forced
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover - flask is always installed with the app
        return {}
    if not has_app_context():  # unit tests and plain scripts: no database, no overrides
        return {}
    app = current_app._get_current_object()
    with _cache_lock:
        fresh = _cache["read_at"] is not None and time.monotonic() - _cache["read_at"] < _OVERRIDES_TTL
        if fresh and _cache["app"] is app:
            return _cache["overrides"]
        _cache.update(app=app, overrides=_load_overrides(), read_at=time.monotonic())
        return _cache["overrides"]


def _load_overrides():
    from .db import db
    from .models import CalendarOverride

    try:  # own connection, so a missing table never spoils the caller's transaction
        with db.engine.connect() as conn:
            rows = conn.execute(db.select(CalendarOverride.day, CalendarOverride.is_workday)).all()
    except Exception:  # table not created yet: the official calendar alone
        return {}
    return {_date(day): bool(flag) for day, flag in rows}


def covered_years():
    """The years the official calendar package covers (later years need administrator overrides)."""
    return _PACKAGE_YEARS


# --- the helpers of docs/modelling.md -------------------------------------------------------------

def today():
    return clock.today().isoformat()


def now_iso():
    return clock.now().astimezone(clock.BEIJING).isoformat(timespec="seconds")


def is_workday(d):
    day = _date(d)
    override = _overrides().get(day)
    if override is not None:
        return override
    if day.year in _PACKAGE_YEARS:
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def _next_workday(day):
    for _ in range(MAX_WORKDAY_STEPS):
        if is_workday(day):
            return day
        day += timedelta(days=1)
    raise ValueError(f"{MAX_WORKDAY_STEPS} 天内没有工作日，请检查工作日历设置")


def next_workday(d):
    return _next_workday(_date(d)).isoformat()


def add_workdays(d, n):
    """The date n working days after d (n < 0: before); n = 0 gives d itself."""
    day, n = _date(d), int(n)
    if abs(n) > MAX_WORKDAY_STEPS:
        raise ValueError(f"工作日数过大：{n}")
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    for _ in range(MAX_WORKDAY_STEPS * 3):
        if remaining == 0:
            return day.isoformat()
        day += step
        if is_workday(day):
            remaining -= 1
    raise ValueError("工作日历中工作日过少，无法计算")


def workdays_before(d, n):
    return add_workdays(d, -int(n))


def _add_months(day, n):
    # Civil code (民法典 第二百零二条): the same day n months later, or that month's last day.
    index = day.year * 12 + day.month - 1 + int(n)
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_months(d, n):
    return _add_months(_date(d), n).isoformat()


def month_deadline(d):
    return _next_workday(_add_months(_date(d), 1)).isoformat()


def report_deadline(month):
    year, mon = _month(month)
    return _next_workday(date(year, mon, REPORT_DAY)).isoformat()


def next_month(month):
    year, mon = _month(month)
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def month_of(d):
    return _date(d).isoformat()[:7]


def declaration_deadline(build_year):
    try:
        year = int(build_year)
    except (TypeError, ValueError):
        raise ValueError(f"建设年度无效：{build_year!r}") from None
    month, day = DECLARATION_MONTH_DAY
    return date(year - 1, month, day).isoformat()


def _round_year(build_year):
    try:
        return int(build_year) - 1
    except (TypeError, ValueError):
        raise ValueError(f"建设年度无效：{build_year!r}") from None


def review_window_opens(build_year):
    """The day the round of `build_year` starts its 预审 and 专家论证 (7月1日 of the year before)."""
    month, day = REVIEW_WINDOW[0]
    return date(_round_year(build_year), month, day).isoformat()


def review_window_due(build_year):
    """The day the round of `build_year` must finish its 预审 and 专家论证 (9月30日 of the year before)."""
    month, day = REVIEW_WINDOW[1]
    return date(_round_year(build_year), month, day).isoformat()


def end_of_day(d):
    """24:00 Beijing of d, written as the next day's 00:00+08:00 (ISO has no 24:00 in Python)."""
    return datetime.combine(_date(d) + timedelta(days=1), dtime(0), clock.BEIJING).isoformat()


def start_of_day(d):
    return datetime.combine(_date(d), dtime(0), clock.BEIJING).isoformat()


def after(iso_or_date):
    """Whether now has reached that instant (a bare date means its 24:00 Beijing)."""
    return clock.now() >= _instant(iso_or_date)
