"""What every page template has: formatting filters, url_if, error titles and the navigation bar's data.

The badges of the navigation bar come from the areas (the `nav_badges` extension point).
"""
import logging
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app, g, url_for
from flask_login import current_user

from engine import roles
from engine.db import db
from engine.models import ProcessSpec

from . import auditwords, extensions
from .models import Department
from .pages import is_admin
from .timefmt import fmt_date, fmt_dt

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
    """Template helpers; error pages come from errors.py's handlers rendering templates/error.html."""
    app.context_processor(_nav_context)
    app.add_template_filter(fmt_dt, "dt")
    app.add_template_filter(auditwords.details, "audit_details")
    app.add_template_filter(fmt_date, "date")
    app.add_template_filter(fmt_money, "money")
    app.add_template_filter(group_label, "group")
    app.add_template_filter(fmt_size, "filesize")
    app.add_template_filter(fmt_percent, "percent")
    app.add_template_filter(fmt_ratio, "ratio")
    app.add_template_filter(fmt_lag, "lag")
    app.add_template_filter(process_name, "process_name")
    app.add_template_filter(status_label, "status_label")
    app.add_template_global(url_if)
    app.add_template_global(ERROR_TITLES, "error_titles")


def url_if(endpoint, **values):
    """The URL of an endpoint, or None when that page does not exist (yet)."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except Exception:  # missing arguments and the like: no link rather than a broken page
        return None


def fmt_money(value):
    if value is None or value == "":
        return ""
    try:
        return f"{float(value):,.2f}"
    except (TypeError, ValueError):
        return str(value)


def fmt_percent(value):
    """66.123 -> "66.1%", 50 -> "50%"; no figure -> "—"."""
    if value is None or value == "":
        return "—"
    try:  # rounded half up as people round (11.25 -> 11.3), not as binary floats happen to
        text = str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    except (TypeError, ValueError, ArithmeticError):
        return str(value)
    return (text[:-2] if text.endswith(".0") else text) + "%"


def fmt_ratio(value):
    """A ratio as a percentage: 0.3612 -> "36.1%"."""
    if value is None or value == "":
        return "—"
    try:
        return fmt_percent(Decimal(str(value)) * 100)
    except ArithmeticError:
        return str(value)


DAYS_PER_MONTH = 365.25 / 12


def fmt_lag(months):
    """Months behind the plan as people say it: "约12天" under a month, "约4个月" above; "—" when not behind."""
    try:
        months = float(months)
    except (TypeError, ValueError):
        return "—"
    if months <= 0:
        return "—"
    days = round(months * DAYS_PER_MONTH)
    if days < 30:
        return f"约{max(days, 1)}天"
    return f"约{max(round(months), 1)}个月"


INSTANCE_STATUS = {"running": "运行中", "suspended": "已挂起", "incident": "故障", "completed": "已完成",
                   "terminated": "已终止"}


def status_label(status):
    """An instance's status in Chinese (running -> 运行中)."""
    return INSTANCE_STATUS.get(status, status or "")


def process_name(process_id, version_id=None):
    """A process id as its diagram names it (lifecycle -> 电子政务项目全流程管理): the name in that version, else in
    the latest version that has the process; names are read once per request."""
    if not process_id:
        return ""
    if "process_names" not in g:
        rows = db.session.execute(db.select(ProcessSpec.version_id, ProcessSpec.process_id, ProcessSpec.name)
                                  .order_by(ProcessSpec.version_id)).all()
        names = {}
        for version, pid, name in rows:
            if name and name != pid:
                names[(version, pid)] = names[pid] = name
        g.process_names = names
    return g.process_names.get((version_id, process_id)) or g.process_names.get(process_id) or process_id


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
        if "dept_names" not in g:
            g.dept_names = dict(db.session.execute(db.select(Department.code, Department.name)).all())
        return g.dept_names.get(code.split(":", 1)[1], code)
    return GROUP_LABELS.get(code, code)


def _nav_context():
    context = {"stages": roles.STAGES, "nav": {"todo": 0, "overdue": 0, "unread": 0}, "is_admin": is_admin()}
    if not current_user.is_authenticated:
        return context
    user = current_user._get_current_object()
    try:
        context["nav"] = {**context["nav"], **extensions.merged("nav_badges", current_app, user)}
    except Exception:  # a badge must never break a page
        log.exception("navigation counts failed")
    groups = current_user.groups
    context["may_model"] = bool({"admin", "analyst"} & groups)
    context["may_monitor"] = bool({"admin", "sgj"} & groups)
    # 三员分立: the three administrators see only their own part (the accounts area enforces it)
    context["three_admin"] = bool({"sysadmin", "secadmin", "auditor"} & groups)
    context["may_manage_users"] = bool({"sysadmin", "secadmin"} & groups)
    context["may_audit"] = "auditor" in groups
    return context
