"""用户管理 under 三员分立 (blueprint `users`, /admin):

- 系统管理员 (sysadmin): create users, name, department, e-mail, enable/disable; departments.
- 安全管理员 (secadmin): roles (groups), unlocking, password and second-factor resets.
Both see the list; everyone else gets 403. Every change is audited; a change that alters what an account
may do (roles, disabling, a reset) ends the account's sign-ins and tokens at once.
"""
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from engine import roles
from engine.audit import record
from engine.db import db
from engine.runtime import unit_of_work

from ..core.models import Department
from ..core.pages import require_login, user
from ..core.paging import page_args
from . import duties, lockout, passwords, sessions, settings, totp
from .models import User
from .services import known_groups

bp = Blueprint("users", __name__, url_prefix="/admin", template_folder="templates")

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
DEPT_CODE = re.compile(r"^[a-z0-9_]{2,32}$")


@bp.before_request
def _guard():
    redirect_to = require_login()
    if redirect_to is not None:
        return redirect_to
    if not ({duties.SYSADMIN, duties.SECADMIN} & set(user().groups)):
        abort(403)
    return None


def _only(role):
    if not duties.holds(user(), role):
        abort(403)


def _target(user_id):
    target = db.session.get(User, user_id)
    if target is None:
        abort(404)
    return target


def _group_choices():
    depts = {d.group: d.name for d in db.session.execute(db.select(Department)).scalars()}
    return [(code, f"{depts[code]}（项目建设主管部门）" if code in depts else roles.GROUP_NAMES.get(code, code))
            for code in known_groups()]


@bp.route("/users")
def users():
    page, per_page = page_args(50)
    query = db.select(User).order_by(User.username)
    q = (request.args.get("q") or "").strip()[:64]
    if q:
        query = query.where(User.username.contains(q) | User.display_name.contains(q))
    total = db.session.execute(db.select(db.func.count()).select_from(query.subquery())).scalar()
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars().all()
    depts = db.session.execute(db.select(Department).order_by(Department.name)).scalars().all()
    return render_template("accounts/users.html", users=rows, total=total, page=page, per_page=per_page, q=q,
                           departments=depts, is_sysadmin=duties.holds(user(), duties.SYSADMIN))


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    _only(duties.SYSADMIN)
    return _edit(None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id):
    target = _target(user_id)
    if request.method == "POST":
        _only(duties.SYSADMIN)
    return _edit(target)


def _values(target):
    form = request.form
    if request.method != "POST":
        return {"username": target.username if target else "", "display_name": target.display_name if target else "",
                "department_code": (target.department_code or "") if target else "",
                "email": (target.email or "") if target else "", "active": target.active if target else True,
                "specialty": (target.specialty or "") if target else ""}
    return {"username": (form.get("username") or "").strip() if target is None else target.username,
            "display_name": (form.get("display_name") or "").strip(), "department_code": form.get("department_code") or "",
            "email": (form.get("email") or "").strip(), "active": form.get("active") == "1",
            "specialty": (form.get("specialty") or "").strip()}


def _edit(target, errors=None, status=200):
    values = _values(target)
    errors = dict(errors or {})
    if request.method == "POST" and not errors and request.endpoint in ("users.new_user", "users.edit_user"):
        password = request.form.get("password") or ""
        errors = _check(values, password, target)
        if not errors:
            with unit_of_work():
                created = target is None
                if created:
                    target = User(username=values["username"], display_name=values["display_name"], password_hash="!")
                    db.session.add(target)
                was_active = target.active
                target.display_name = values["display_name"]
                target.department_code = values["department_code"] or None
                target.email = values["email"] or None
                target.specialty = values["specialty"] or None  # 专业方向: panels pick experts by it
                target.active = values["active"]
                db.session.flush()
                if created:
                    passwords.set_password(target, password, by_admin=True)  # changed at the first sign-in
                if was_active and not target.active:
                    sessions.revoke_all(target.id)
                record("edit_user", user().username, payload={"user": target.username, "created": created,
                                                               "active": values["active"],
                                                               "department": values["department_code"] or None})
            flash(f"用户 {target.username} 已保存", "success")
            return redirect(url_for("users.users"))
        flash("用户信息填写有误，请按提示修改", "error")
        status = 422
    depts = db.session.execute(db.select(Department).order_by(Department.name)).scalars().all()
    me = user()
    return render_template(
        "accounts/user_form.html", target=target, values=values, errors=errors, departments=depts,
        group_choices=_group_choices(), groups=sorted(target.groups) if target else [],
        may_edit=duties.holds(me, duties.SYSADMIN), may_secure=duties.holds(me, duties.SECADMIN) and target is not None,
        policy=passwords.describe(), locked=bool(target and lockout.lock_remaining(target)),
        totp_enrolled=bool(target and totp.enrolled(target))), (422 if errors else status)


def _check(values, password, target):
    errors = {}
    if target is None:
        if not USERNAME.match(values["username"]):
            errors["username"] = "用户名须为 2–64 位字母、数字或 _ . -"
        elif db.session.execute(db.select(User.id).filter_by(username=values["username"])).scalar():
            errors["username"] = "用户名已存在"
        problems = _password_problems(User(username=values["username"]), password)
        if problems:
            errors["password"] = "；".join(problems)
    if not values["display_name"]:
        errors["display_name"] = "请填写姓名或显示名称"
    if len(values.get("specialty") or "") > 64:
        errors["specialty"] = "专业方向不能超过 64 个字符"
    if values["department_code"] and db.session.get(Department, values["department_code"]) is None:
        errors["department_code"] = "部门不存在"
    if target is not None and target.id == user().id and not values["active"]:
        errors["active"] = "不能停用自己的账户"
    return errors


def _password_problems(target, password):
    if settings.rules_on() or len(password) < settings.get("PASSWORD_MIN_LENGTH"):
        return passwords.problems(target, password)
    return []


@bp.post("/users/<int:user_id>/roles")
def set_roles(user_id):
    _only(duties.SECADMIN)
    target = _target(user_id)
    wanted = sorted(set(request.form.getlist("groups")))
    known = set(known_groups())
    unknown = [g for g in wanted if g not in known]
    error = (f"未知角色：{'、'.join(unknown)}" if unknown else duties.conflict(wanted)
             or ("不能修改自己的角色" if target.id == user().id else None))
    if error:
        return _edit(target, {"groups": error})
    before = sorted(target.groups)
    if before != wanted:
        target.set_groups(wanted)
        sessions.revoke_all(target.id)
        record("role_change", user().username, payload={"user": target.username, "before": before, "after": wanted})
        db.session.commit()
    flash(f"已更新 {target.display_name} 的角色", "success")
    return redirect(url_for("users.edit_user", user_id=target.id))


@bp.post("/users/<int:user_id>/unlock")
def unlock(user_id):
    _only(duties.SECADMIN)
    target = _target(user_id)
    lockout.clear(target.id)
    record("unlock", user().username, payload={"user": target.username})
    db.session.commit()
    flash(f"已解锁 {target.display_name}", "success")
    return redirect(url_for("users.edit_user", user_id=target.id))


@bp.post("/users/<int:user_id>/reset-password")
def reset_password(user_id):
    _only(duties.SECADMIN)
    target = _target(user_id)
    password = request.form.get("password") or ""
    problems = _password_problems(target, password)
    if problems:
        return _edit(target, {"reset_password": "；".join(problems)})
    passwords.set_password(target, password, by_admin=True)
    sessions.revoke_all(target.id)
    record("password_reset", user().username, payload={"user": target.username})
    db.session.commit()
    flash(f"已重置 {target.display_name} 的密码；其下次登录须先修改密码", "success")
    return redirect(url_for("users.edit_user", user_id=target.id))


@bp.post("/users/<int:user_id>/reset-second-factor")
def reset_second_factor(user_id):
    _only(duties.SECADMIN)
    target = _target(user_id)
    totp.reset(target)
    sessions.revoke_all(target.id)
    record("totp_reset", user().username, payload={"user": target.username})
    db.session.commit()
    flash(f"已重置 {target.display_name} 的动态口令；其下次登录时重新绑定", "success")
    return redirect(url_for("users.edit_user", user_id=target.id))


@bp.route("/departments", methods=["POST"])
def new_department():
    _only(duties.SYSADMIN)
    code = (request.form.get("code") or "").strip().lower()
    name = (request.form.get("name") or "").strip()
    if not DEPT_CODE.match(code):
        flash("部门代码须为 2–32 位小写字母、数字或下划线，如 gaj", "error")
    elif not name or len(name) > 100:
        flash("请填写部门名称（不超过 100 字）", "error")
    elif db.session.get(Department, code) or db.session.execute(db.select(Department).filter_by(name=name)).scalar():
        flash("部门代码或名称已存在", "error")
    else:
        with unit_of_work():
            db.session.add(Department(code=code, name=name))
            record("create_department", user().username, payload={"code": code, "name": name})
        flash(f"已新增部门 {name}（角色 dept:{code}）", "success")
    return redirect(url_for("users.users"))
