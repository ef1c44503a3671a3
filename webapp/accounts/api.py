"""JSON API of accounts: tokens and the current user (GET /api/me; other areas add its counts)."""
from flask import current_app, g

from engine import clock

from ..core import extensions
from ..core.api import bp, json_body, user
from ..core.identity import bearer_token
from ..core.openapi import REF, add_paths, operation
from ..core.timefmt import iso
from .services import authenticate, issue_token, revoke_token


@bp.post("/auth/token", endpoint="issue_token")
def issue_token_():
    body = json_body()
    account = authenticate(body.get("username"), body.get("password"), via="api")
    token, expires = issue_token(account)
    return {"token": token, "token_type": "Bearer", "expires_at": expires.isoformat(timespec="seconds")}


@bp.delete("/auth/token", endpoint="revoke_token")
def revoke_token_():
    token = bearer_token()
    if token and g.get("api_user") is not None:
        revoke_token(token)
    return "", 204


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
                "username": {"type": "string"}, "password": {"type": "string"}}},
            errors=("400", "401", "403"), public=True),
        "delete": operation("撤销当前令牌", "auth", status="204", errors=("401",)),
    },
    "/api/me": {"get": operation("当前用户、待办计数与未读通知数", "auth", REF("User"), errors=("401",))},
})
