"""Pages of accounts: 登录与退出 (blueprint `auth`) and 用户管理 (blueprint `users`, administrators only:
users, their department and role groups; departments)."""
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from engine import roles
from engine.audit import record
from engine.db import db
from engine.errors import EngineError
from engine.runtime import unit_of_work

from ..core.models import Department
from ..core.pages import is_admin, require_login, safe_next, user
from ..core.paging import page_args
from .models import User
from .services import authenticate

auth_bp = Blueprint("auth", __name__, template_folder="templates")
bp = Blueprint("users", __name__, url_prefix="/admin")

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
DEPT_CODE = re.compile(r"^[a-z0-9_]{2,32}$")
MIN_PASSWORD = 8


# ---------------------------------------------------------------- 登录与退出

@auth_bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next"), url_for("tasks.index")))
    error, username = None, ""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        if not username or not password:
            error = "请输入用户名和密码"
        else:
            try:
                user = authenticate(username, password)
            except EngineError as exc:
                error = exc.message
            else:
                login_user(user, remember=bool(request.form.get("remember")))
                flash(f"欢迎，{user.display_name}", "success")
                return redirect(safe_next(request.form.get("next") or request.args.get("next"), url_for("tasks.index")))
    status = 401 if error else 200
    return render_template("accounts/login.html", error=error, username=username,
                           next=request.values.get("next", "")), status


@auth_bp.route("/logout", methods=["GET", "POST"])
def logout():
    logout_user()
    flash("您已安全退出", "info")
    return redirect(url_for("auth.login"))


# ---------------------------------------------------------------- 用户管理

@bp.before_request
def _guard():
    redirect_to = require_login()
    if redirect_to is not None:
        return redirect_to
    if not is_admin():
        abort(403)
    return None


def _group_choices():
    depts = db.session.execute(db.select(Department).order_by(Department.name)).scalars().all()
    return [(d.group, f"{d.name}（项目建设主管部门）") for d in depts] + list(roles.GROUP_NAMES.items())


@bp.route("/users")
def users():
    page, per_page = page_args(50)
    query = db.select(User).order_by(User.username)
    q = (request.args.get("q") or "").strip()
    if q:
        query = query.where(User.username.contains(q) | User.display_name.contains(q))
    total = db.session.execute(db.select(db.func.count()).select_from(query.subquery())).scalar()
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars().all()
    depts = db.session.execute(db.select(Department).order_by(Department.name)).scalars().all()
    return render_template("accounts/users.html", users=rows, total=total, page=page, per_page=per_page, q=q,
                           departments=depts, dept_errors={}, dept_values={})


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    return _edit(None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id):
    target = db.session.get(User, user_id)
    if target is None:
        abort(404)
    return _edit(target)


def _edit(target):
    errors = {}
    values = {
        "username": target.username if target else "",
        "display_name": target.display_name if target else "",
        "department_code": (target.department_code or "") if target else "",
        "email": (target.email or "") if target else "",
        "specialty": (target.specialty or "") if target else "",
        "active": target.active if target else True,
        "groups": sorted(target.groups) if target else [],
    }
    if request.method == "POST":
        form = request.form
        values = {"username": (form.get("username") or "").strip(), "display_name": (form.get("display_name") or "").strip(),
                  "department_code": form.get("department_code") or "", "email": (form.get("email") or "").strip(),
                  "specialty": (form.get("specialty") or "").strip(),
                  "active": form.get("active") == "1", "groups": form.getlist("groups")}
        password = form.get("password") or ""
        errors = _check(values, password, target)
        if not errors:
            with unit_of_work():
                if target is None:
                    target = User(username=values["username"], display_name=values["display_name"])
                    db.session.add(target)
                target.display_name = values["display_name"]
                target.department_code = values["department_code"] or None
                target.email = values["email"] or None
                target.specialty = values["specialty"] or None  # 专业方向: panels pick experts by it
                target.active = values["active"]
                if password:
                    target.set_password(password)
                    target.failed_logins, target.locked_until = 0, None
                db.session.flush()
                target.set_groups(values["groups"])
                record("edit_user", user().username, payload={"user": target.username, "groups": values["groups"],
                                                               "active": values["active"]})
            flash(f"用户 {target.username} 已保存", "success")
            return redirect(url_for("users.users"))
        flash("用户信息填写有误，请按提示修改", "error")
    depts = db.session.execute(db.select(Department).order_by(Department.name)).scalars().all()
    return render_template("accounts/user_form.html", target=target, values=values, errors=errors,
                           departments=depts, group_choices=_group_choices()), (422 if errors else 200)


def _check(values, password, target):
    errors = {}
    if target is None:
        if not USERNAME.match(values["username"]):
            errors["username"] = "用户名须为 2–64 位字母、数字或 _ . -"
        elif db.session.execute(db.select(User.id).filter_by(username=values["username"])).scalar():
            errors["username"] = "用户名已存在"
        if len(password) < MIN_PASSWORD:
            errors["password"] = f"新用户须设置至少 {MIN_PASSWORD} 位的密码"
    elif password and len(password) < MIN_PASSWORD:
        errors["password"] = f"密码至少 {MIN_PASSWORD} 位"
    if not values["display_name"]:
        errors["display_name"] = "请填写姓名或显示名称"
    if len(values.get("specialty") or "") > 64:
        errors["specialty"] = "专业方向不能超过 64 个字符"
    if values["department_code"] and db.session.get(Department, values["department_code"]) is None:
        errors["department_code"] = "部门不存在"
    known = {code for code, _ in _group_choices()}
    unknown = [g for g in values["groups"] if g not in known]
    if unknown:
        errors["groups"] = f"未知角色：{'、'.join(unknown)}"
    elif not values["groups"]:
        errors["groups"] = "请至少选择一个角色"
    if target is not None and target.id == user().id and "admin" not in values["groups"]:
        errors["groups"] = "不能取消自己的管理员角色"
    return errors


@bp.route("/departments", methods=["POST"])
def new_department():
    code = (request.form.get("code") or "").strip().lower()
    name = (request.form.get("name") or "").strip()
    if not DEPT_CODE.match(code):
        flash("部门代码须为 2–32 位小写字母、数字或下划线，如 gaj", "error")
    elif not name:
        flash("请填写部门名称", "error")
    elif db.session.get(Department, code) or db.session.execute(db.select(Department).filter_by(name=name)).scalar():
        flash("部门代码或名称已存在", "error")
    else:
        with unit_of_work():
            db.session.add(Department(code=code, name=name))
            record("create_department", user().username, payload={"code": code, "name": name})
        flash(f"已新增部门 {name}（角色 dept:{code}）", "success")
    return redirect(url_for("users.users"))
