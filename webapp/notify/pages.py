"""通知 page: reminders, overdue warnings and 督办 notices of the user's groups."""
from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..core.pages import require_login, user
from ..core.paging import page_args
from . import services as service
from .services import KIND_LABELS

bp = Blueprint("notifications", __name__, template_folder="templates")
bp.before_request(require_login)


@bp.route("/notifications")
def index():
    page, per_page = page_args()
    unread_only = request.args.get("unread") == "1"
    items, total = service.list_notifications(user(), unread_only=unread_only, page=page, per_page=per_page)
    return render_template("notify/list.html", items=items, total=total, page=page, per_page=per_page,
                           unread_only=unread_only, kinds=KIND_LABELS)


@bp.route("/notifications/read", methods=["POST"])
def mark_read():
    ids = [int(x) for x in request.form.getlist("ids") if x.isdigit()]
    if request.form.get("all") == "1":
        service.mark_read(user(), None)
        flash("全部通知已标为已读", "success")
    elif ids:
        service.mark_read(user(), ids)
        flash(f"已将 {len(ids)} 条通知标为已读", "success")
    else:
        flash("请先选择通知", "warning")
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/notifications")
                    else url_for("notifications.index"))
