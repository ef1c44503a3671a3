"""Tokens and the current user."""
from flask import g

from ..auth import authenticate, bearer_token, issue_token, revoke_token
from ..services import iso, notifications, tasks
from . import bp, json_body, user


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
    return {**user_dict(account), "counts": tasks.counts(account),
            "unread_notifications": notifications.unread_count(account), "server_time": _now()}


def _now():
    from engine import clock

    return iso(clock.now())
