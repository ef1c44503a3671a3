"""/delegation: a user names a stand-in for a period (委托/代理) and sees who stands in for whom."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import clock
from engine.db import db
from engine.errors import EngineError

from ..core.models import Department
from ..core.pages import require_login, user
from . import delegation, duties
from .models import User, user_groups

bp = Blueprint("delegation", __name__, template_folder="templates")
bp.before_request(require_login)


def _colleagues(me):
    """Who may stand in: active colleagues, none of the three administrators (三员分立)."""
    three = select(user_groups.c.user_id).where(user_groups.c.group_code.in_(duties.THREE))
    rows = db.session.execute(select(User.username, User.display_name, Department.name)
                              .outerjoin(Department, Department.code == User.department_code)
                              .where(User.active.is_(True), User.username != me.username, User.id.not_in(three))
                              .order_by(User.department_code, User.display_name)).all()
    return [{"username": u, "display_name": d, "department": dept} for u, d, dept in rows]


@bp.route("/delegation", methods=["GET"])
def index():
    me = user()
    return render_template("accounts/delegation.html", listing=delegation.listing(me), colleagues=_colleagues(me),
                           today=clock.today().isoformat())


@bp.route("/delegation", methods=["POST"])
def create():
    form = request.form
    try:
        row = delegation.create(user(), form.get("deputy", ""), form.get("starts_on", ""), form.get("ends_on", ""),
                                form.get("note", ""))
    except EngineError as exc:
        flash(exc.message, "error")
        return redirect(url_for("delegation.index"))
    flash(f"已委托，{row.starts_on.isoformat()} 至 {row.ends_on.isoformat()} 期间代理人可办理您的待办", "success")
    return redirect(url_for("delegation.index"))


@bp.route("/delegation/<int:delegation_id>/revoke", methods=["POST"])
def revoke(delegation_id):
    try:
        delegation.revoke(user(), delegation_id)
    except EngineError as exc:
        flash(exc.message, "error")
    else:
        flash("委托已撤销", "success")
    return redirect(url_for("delegation.index"))


