"""Shared pieces of the pages: login guard, navigation counts, formatting filters, error titles."""
import logging
from datetime import date, datetime, timezone
from urllib.parse import urlsplit

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from engine import clock, roles

log = logging.getLogger(__name__)

GROUP_LABELS = {**roles.GROUP_NAMES}
ERROR_TITLES = {  # the heading of an error page; its text is the error's own message
    400: "请求有误",
    401: "请先登录",
    403: "无权访问",
    404: "页面不存在",
    405: "操作不允许",
    409: "操作冲突",
    413: "文件过大",
    422: "填写有误",
    500: "系统错误",
}


def install(app):
    """Template helpers; error pages come from web.py's handlers rendering templates/error.html."""
    app.context_processor(_nav_context)
    app.add_template_filter(fmt_dt, "dt")
    app.add_template_filter(fmt_date, "date")
    app.add_template_filter(fmt_money, "money")
    app.add_template_filter(group_label, "group")
    app.add_template_filter(fmt_size, "filesize")
    app.add_template_global(url_if)
    app.add_template_global(ERROR_TITLES, "error_titles")


# ---------------------------------------------------------------- guards and helpers

def require_login():
    """before_request of every staff blueprint: anonymous users go to the login page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def require(may):
    """A before_request for a blueprint of one audience: sign-in first, then `may(user)` or 403."""
    def guard():
        refused = require_login()
        if refused is None and not may(current_user):
            abort(403)
        return refused

    return guard


def is_admin():
    return current_user.is_authenticated and "admin" in current_user.groups


def actor():
    from webapp.auth import actor_of

    return actor_of(current_user._get_current_object())


def user():
    return current_user._get_current_object()


def safe_next(target, default):
    """Only same-site relative paths are followed after login."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def int_arg(source, name):
    """An integer from a query string or form that a database INTEGER can hold, else None."""
    from ..services import db_int

    return db_int(source.get(name, ""))


def page_args(default_per_page=20):
    """(page, per_page) of a list page: page ≥ 1 and within the database's integers, per_page 1–100."""
    from ..api import MAX_PAGE

    page = int_arg(request.args, "page") or 1
    per_page = int_arg(request.args, "per_page") or default_per_page
    return min(max(page, 1), MAX_PAGE), min(max(per_page, 1), 100)


def url_if(endpoint, **values):
    """The URL of an endpoint, or None when that page does not exist (yet)."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except Exception:  # missing arguments and the like: no link rather than a broken page
        return None


# ---------------------------------------------------------------- formatting

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


def fmt_money(value):
    if value is None or value == "":
        return ""
    try:
        return f"{float(value):,.2f}"
    except (TypeError, ValueError):
        return str(value)


def fmt_size(size):
    size = size or 0
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def group_label(code):
    """dept:gaj -> 市公安局, sgj -> 市数管局; department names are read once per request."""
    if not code:
        return ""
    if code.startswith("dept:"):
        from flask import g

        if "dept_names" not in g:
            from engine.db import db
            from webapp.models import Department

            g.dept_names = dict(db.session.execute(db.select(Department.code, Department.name)).all())
        return g.dept_names.get(code.split(":", 1)[1], code)
    return GROUP_LABELS.get(code, code)


def _nav_context():
    context = {"stages": roles.STAGES, "nav": {"todo": 0, "overdue": 0, "unread": 0}, "is_admin": is_admin()}
    if not current_user.is_authenticated:
        return context
    try:
        from webapp.services import notifications, tasks

        counted = tasks.counts(user())
        context["nav"] = {"todo": counted.get("todo", 0), "overdue": counted.get("overdue", 0),
                          "unread": notifications.unread_count(user())}
    except Exception:  # a badge must never break a page
        log.exception("navigation counts failed")
    groups = current_user.groups
    context["may_model"] = bool({"admin", "analyst"} & groups)
    context["may_monitor"] = bool({"admin", "sgj"} & groups)
    return context
