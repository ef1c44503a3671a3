"""The signed-in user's own security pages: change the password, the second factor; the login captcha.

`guard` runs before every request: a sign-in that must change its password or pass the second factor may
only reach these pages (and logout) until it has.
"""
from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from engine.audit import record
from engine.db import db
from engine.errors import Forbidden

from . import captcha_image, duties, passwords, recovery_codes, sessions, throttle, totp
from .signin import current_signin

bp = Blueprint("account", __name__, template_folder="templates")

OPEN_ENDPOINTS = {"account.password", "account.second_factor", "account.captcha", "account.recovery_codes",
                  "auth.logout", "auth.login",
                  "static", "sso.start", "sso.callback", "api.change_password", "api.revoke_token", "api.me",
                  "api.issue_token"}
# 三员分立: what each of the three administrators may reach besides OPEN_ENDPOINTS (blueprint prefixes and
# endpoints); every other page and API route is refused to them, whatever groups they also hold.
OWN_PART = {
    duties.SYSADMIN: ("users.", "api.openapi"),
    duties.SECADMIN: ("users.", "api.openapi"),
    duties.AUDITOR: ("audit.", "api.audit_log", "api.openapi"),
}
HOME = {duties.SYSADMIN: "users.users", duties.SECADMIN: "users.users", duties.AUDITOR: "audit.index"}


def guard():
    """Before every page: a sign-in that owes a password change or a second factor goes to the page that
    settles it; one of the three administrators reaches only their own part."""
    if request.endpoint in OPEN_ENDPOINTS or request.path.startswith("/static/"):
        return None
    if not current_user.is_authenticated or request.path.startswith("/api"):
        return None
    return owed() or own_part_only(current_user)


def owed():
    """A redirect to the page that settles what this sign-in still owes (a new password, the second
    factor), or None."""
    signin = current_signin()
    if signin is not None and signin.via != "oidc" and passwords.change_required(current_user):
        return redirect(url_for("account.password"))
    if signin is not None and totp.required(current_user) and not signin.second_factor:
        return redirect(url_for("account.second_factor"))
    return None


def own_part_only(account):
    """403 (or their home page instead of the worklist) for one of the three outside their own part."""
    from flask import abort

    roles = [r for r in duties.THREE if duties.holds(account, r)]
    if not roles or request.endpoint in OPEN_ENDPOINTS:
        return None
    endpoint = request.endpoint or ""
    if any(endpoint.startswith(p) or endpoint == p for r in roles for p in OWN_PART[r]):
        return None
    if endpoint == "tasks.index" and not request.path.startswith("/api"):
        return redirect(url_for(HOME[roles[0]]))
    abort(403)


def api_guard():
    """The same rule for the API (after the API has found the token's or the session's user)."""
    from ..core.identity import current_account

    account = current_account()
    if account is None:
        return None
    if g.get("api_user") is None and request.endpoint not in OPEN_ENDPOINTS and owed() is not None:
        # a browser's sign-in that still owes a new password or the second factor gets no data either
        raise Forbidden("请先在网页上完成修改密码或动态口令验证")
    return own_part_only(account)


@bp.route("/account/password", methods=["GET", "POST"])
def password():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    reason = passwords.change_required(current_user)
    errors = {}
    if request.method == "POST":
        old, new = request.form.get("old_password") or "", request.form.get("new_password") or ""
        if not current_user.check_password(old):
            errors["old_password"] = "当前密码不正确"
        elif new != (request.form.get("confirm_password") or ""):
            errors["confirm_password"] = "两次输入的新密码不一致"
        else:
            problems = passwords.problems(current_user, new)
            if problems:
                errors["new_password"] = "；".join(problems)
        if not errors:
            passwords.set_password(current_user, new)
            signin = current_signin()
            sessions.revoke_all(current_user.id, keep=signin.token if signin else None)
            record("password_change", current_user.username, payload={"user": current_user.username})
            db.session.commit()
            flash("密码已修改；其他设备上的登录和 API 令牌已失效", "success")
            return redirect(url_for("tasks.index"))
    return render_template("accounts/password.html", reason=reason, errors=errors, policy=passwords.describe(),
                           totp_enrolled=totp.enrolled(current_user)), (422 if errors else 200)


@bp.route("/account/second-factor", methods=["GET", "POST"])
def second_factor():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    signin = current_signin()
    enrolled = totp.enrolled(current_user)
    error = None
    if request.method == "POST":
        code = request.form.get("code")
        how = "totp" if totp.check(current_user, code) else None
        if how is None and enrolled and recovery_codes.use(current_user, code, via="session"):
            how = "recovery_code"
        if how:
            if signin is not None:
                sessions.mark_second_factor(signin.token)
            record("totp_enrol" if not enrolled else "login", current_user.username,
                   payload={"ok": True, "via": how})
            codes = recovery_codes.issue(current_user) if not enrolled else None
            db.session.commit()
            if codes:  # shown this once: the user writes them down before going on
                return render_template("accounts/recovery_codes.html", codes=codes, remaining=len(codes))
            return redirect(url_for("tasks.index"))
        error = "动态口令或恢复码不正确或已使用，请输入验证器上最新的 6 位数字"
        record("login", current_user.username, payload={"ok": False, "via": "totp", "reason": "bad_code"})
        db.session.commit()
    qr = secret = None
    if not enrolled:
        secret, qr = totp.begin(current_user)
        db.session.commit()
    return render_template("accounts/second_factor.html", enrolled=enrolled, qr=qr, secret=secret,
                           error=error), (401 if error else 200)


@bp.route("/account/recovery-codes", methods=["GET", "POST"], endpoint="recovery_codes")
def recovery_codes_page():
    """How many recovery codes are left; new ones (the old ones void) for a current TOTP code."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    signin = current_signin()
    if not totp.enrolled(current_user) or (totp.required(current_user) and not (signin and signin.second_factor)):
        return redirect(url_for("account.second_factor"))
    error, codes = None, None
    if request.method == "POST":
        if totp.check(current_user, request.form.get("code")):
            codes = recovery_codes.issue(current_user)
        else:
            error = "动态口令不正确或已使用，请输入验证器上最新的 6 位数字"
            record("recovery_codes", current_user.username, payload={"user": current_user.username, "ok": False})
        db.session.commit()
    return render_template("accounts/recovery_codes.html", codes=codes, error=error,
                           remaining=recovery_codes.remaining(current_user)), (401 if error else 200)


@bp.get("/login/captcha.png")
@throttle.limiter.limit(throttle.CAPTCHA_LIMIT)
def captcha():
    response = Response(captcha_image.new_image(), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response
