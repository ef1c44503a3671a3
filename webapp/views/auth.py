"""登录与退出."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from engine.errors import EngineError

from .common import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next"), url_for("tasks.index")))
    error, username = None, ""
    if request.method == "POST":
        from webapp.auth import authenticate

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
    return render_template("auth/login.html", error=error, username=username,
                           next=request.values.get("next", "")), status


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    logout_user()
    flash("您已安全退出", "info")
    return redirect(url_for("auth.login"))
