"""通知 page: reminders, overdue warnings and 督办 notices of the user's groups."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from engine.errors import EngineError

from ..core.pages import is_admin, require_login, user
from ..core.paging import page_args
from ..core.records import db_int
from . import admin_view, preferences
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
    ids = [n for n in map(db_int, request.form.getlist("ids")) if n is not None]
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


@bp.route("/notifications/channels", methods=["GET", "POST"])
def channels():
    me = user()
    if request.method == "POST":
        wanted = {}
        for key, value in request.form.items():
            name, _, field = key.partition(".")
            if field in ("enabled", "target", "secret"):
                wanted.setdefault(name, {"enabled": False})[field] = value == "1" if field == "enabled" else value
        try:
            preferences.save(me, wanted)
        except EngineError as exc:
            flash(exc.message, "error")
        else:
            flash("通知方式已保存", "success")
        return redirect(url_for("notifications.channels"))
    return render_template("notify/channels.html", choices=preferences.choices(me))


@bp.route("/notifications/deliveries")
def deliveries():
    if not is_admin():
        abort(403)
    page, per_page = page_args()
    rows, total = admin_view.problems(page, per_page)
    return render_template("notify/deliveries.html", rows=rows, total=total, page=page, per_page=per_page)


@bp.route("/notifications/deliveries/<int:delivery_id>/resend", methods=["POST"])
def resend(delivery_id):
    if not is_admin():
        abort(403)
    try:
        admin_view.resend(delivery_id, user().username)
    except EngineError as exc:
        flash(exc.message, "error")
    else:
        flash("已重新排入发送队列", "success")
    return redirect(url_for("notifications.deliveries"))
