"""Pages of accounts: 登录与退出 (blueprint `auth`); 用户管理 is users_pages.py."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.db import db
from engine.errors import EngineError

from ..core.pages import safe_next
from . import captcha_image, signin, sso, throttle
from .security_pages import owed
from .services import authenticate

auth_bp = Blueprint("auth", __name__, template_folder="templates")


# ---------------------------------------------------------------- 登录与退出

@auth_bp.route("/login", methods=["GET", "POST"])
@throttle.limiter.limit(throttle.login_limit, exempt_when=throttle.exempt)
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next"), url_for("tasks.index")))
    error, username = None, (request.values.get("username") or "").strip()[:64]
    if request.method == "POST":
        password = request.form.get("password") or ""
        if not username or not password:
            error = "请输入用户名和密码"
        elif signin.captcha_needed(username) and not captcha_image.passes(request.form.get("captcha")):
            error = "验证码不正确，请重新输入"
            signin.audit_login(username, False, "session", "captcha")
            db.session.commit()
        else:
            try:
                user = authenticate(username, password)
            except EngineError as exc:
                error = exc.message
                signin.note_failure()
            else:
                signin.begin(user, remember=bool(request.form.get("remember")))
                flash(f"欢迎，{user.display_name}", "success")
                return owed() or redirect(safe_next(request.form.get("next") or request.args.get("next"),
                                                     url_for("tasks.index")))
    status = 401 if error else 200
    return render_template("accounts/login.html", error=error, username=username, sso=sso.enabled(),
                           captcha=signin.captcha_needed(username), next=request.values.get("next", "")), status


@auth_bp.route("/logout", methods=["GET", "POST"])
def logout():
    provider_logout = sso.logout_target()
    signin.end()
    flash("您已安全退出", "info")
    return redirect(provider_logout or url_for("auth.login"))


