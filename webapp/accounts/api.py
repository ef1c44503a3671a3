"""JSON API of accounts: tokens and the current user (GET /api/me; other areas add its counts)."""
from flask import current_app, g, request

from engine import clock
from engine.audit import record
from engine.db import db
from engine.errors import Forbidden, Invalid

from ..core import extensions
from ..core.api import bp, json_body, user
from ..core.identity import Unauthorized, bearer_token
from ..core.openapi import OBJ, PAGING, REF, add_paths, operation, query_params
from ..core.timefmt import iso
from . import passwords, recovery_codes, sessions, throttle, totp
from .services import authenticate, issue_token, revoke_token


@bp.post("/auth/token", endpoint="issue_token")
@throttle.limiter.limit(throttle.login_limit, exempt_when=throttle.exempt)
def issue_token_():
    body = json_body()
    account = authenticate(body.get("username"), body.get("password"), via="api")
    _second_checks(account, body.get("otp"))
    token, expires = issue_token(account)
    return {"token": token, "token_type": "Bearer", "expires_at": expires.isoformat(timespec="seconds")}


@bp.delete("/auth/token", endpoint="revoke_token")
def revoke_token_():
    token = bearer_token()
    account = g.get("api_user")
    if token and account is not None:
        record("logout", account.username, payload={"via": "api"})  # the API's logout, audited like the page's
        revoke_token(token)
    return "", 204


class PasswordChangeRequired(Forbidden):
    code = "password_change_required"


class SecondFactorRequired(Unauthorized):
    code = "otp_required"


def _second_checks(account, otp):
    """With the account rules on: no token before a due password change, nor without the second factor."""
    reason = passwords.change_required(account)
    if reason:
        raise PasswordChangeRequired(f"{reason}（请在网页上修改后再获取令牌）")
    if totp.required(account):
        if not totp.enrolled(account):
            raise SecondFactorRequired("管理类角色须先在网页上绑定动态口令")
        otp = otp if isinstance(otp, str) else None
        if not totp.check(account, otp) and not recovery_codes.use(account, otp, via="api"):
            db.session.commit()
            raise SecondFactorRequired("请在 otp 中提供验证器上最新的 6 位动态口令（或一个恢复码）")
        db.session.commit()


@bp.post("/me/password", endpoint="change_password")
def change_password():
    """Self-service change: the current password, a new one that meets the policy; other sign-ins end."""
    account, body = user(), json_body()
    old, new = body.get("old_password"), body.get("new_password")
    if not isinstance(old, str) or not account.check_password(old):
        raise Invalid("当前密码不正确", fields={"old_password": "当前密码不正确"})
    problems = passwords.problems(account, new) if isinstance(new, str) else ["请填写新密码"]
    if problems:
        raise Invalid("新密码不符合密码策略", fields={"new_password": "；".join(problems)})
    passwords.set_password(account, new)
    sessions.revoke_all(account.id)
    record("password_change", account.username, payload={"user": account.username, "via": "api"})
    db.session.commit()
    return "", 204


@bp.get("/audit", endpoint="audit_log")
def audit_list():
    """The audit log for the 安全审计员 only: filters actor, kind, address, since, until (YYYY-MM-DD)."""
    from datetime import date

    from ..core.paging import page_args
    from . import audit_log, duties

    account = user()
    if not duties.holds(account, duties.AUDITOR):
        raise Forbidden("只有安全审计员可以查看审计日志")
    args, filters = request.args, {}
    for key in ("actor", "kind", "address"):
        if args.get(key):
            filters[key] = args[key][:64]
    for key in ("since", "until"):
        if args.get(key):
            try:
                filters[key] = date.fromisoformat(args[key])
            except ValueError:
                raise Invalid("日期应写成“2026-11-30”这样的年-月-日", fields={key: "日期应写成“2026-11-30”这样的年-月-日"})
    page, per_page = page_args(50)
    query = audit_log.query(filters)
    total = db.session.execute(db.select(db.func.count()).select_from(query.subquery())).scalar()
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return {"items": [{"seq": r.seq, "at": iso(clock.as_utc(r.at)), "actor": r.actor, "kind": r.kind,
                       "address": r.address, "project_id": r.project_id, "instance_id": r.instance_id,
                       "payload": r.payload} for r in rows], "total": total}


def user_dict(account):
    department = account.department
    return {"id": account.id, "username": account.username, "display_name": account.display_name,
            "department": account.department_code, "department_name": department.name if department else None,
            "groups": sorted(account.groups), "email": account.email}


@bp.get("/me")
def me():
    account = user()
    return {**user_dict(account), **extensions.merged("me_fields", current_app, account),
            "server_time": iso(clock.now())}


add_paths({
    "/api/auth/token": {
        "post": operation("获取身份令牌（12 小时有效）", "auth", {"type": "object", "properties": {
            "token": {"type": "string"}, "token_type": {"const": "Bearer"},
            "expires_at": {"type": "string", "format": "date-time"}}},
            body={"type": "object", "required": ["username", "password"], "properties": {
                "username": {"type": "string"}, "password": {"type": "string"},
                "otp": {"type": "string", "description": "动态口令（管理类角色，生产模式）"}}},
            errors=("400", "401", "403"), public=True),
        "delete": operation("撤销当前令牌", "auth", status="204", errors=("401",)),
    },
    "/api/me": {"get": operation("当前用户、待办计数与未读通知数", "auth", REF("User"), errors=("401",))},
    "/api/audit": {"get": operation("审计日志（仅安全审计员）", "auth", OBJ, errors=("400", "401", "403", "422"),
                                    params=[*PAGING, *query_params("actor", "kind", "address", "since", "until")])},
    "/api/me/password": {"post": operation(
        "修改本人密码（其他登录与令牌随即失效）", "auth", status="204", errors=("400", "401", "422"),
        body={"type": "object", "required": ["old_password", "new_password"], "properties": {
            "old_password": {"type": "string"}, "new_password": {"type": "string"}}})},
})
