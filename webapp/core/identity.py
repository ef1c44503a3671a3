"""Who is asking: the signed-in user of a page (flask-login session) or of an API call (bearer token).

The accounts area fills in how users and tokens are looked up (`user_loader`, the `token_user`
extension point); the core only knows that a user has a `username` and `groups`.
"""
from flask import current_app, g, has_app_context, has_request_context, request
from flask_login import LoginManager, current_user

from engine.errors import EngineError
from engine.runtime import Actor

from . import extensions

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"
login_manager.login_message_category = "warning"


class Unauthorized(EngineError):
    status = 401
    code = "unauthorized"


def bearer_token():
    """The token of an `Authorization: Bearer …` header, '' when the header is malformed, None when absent."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def current_account():
    """The signed-in User: the bearer token's user on API calls, else the session user, else None."""
    user = g.get("api_user")
    if user is not None:
        return user
    return current_user if current_user.is_authenticated else None


def actor_of(user):
    """The engine's Actor of a user, with the people they stand in for today (委托/代理, the accounts area).

    Looked up once per request (a completion asks twice: reach, then the engine's step)."""
    if not has_app_context():
        return Actor(user.username, frozenset(user.groups))
    known = g.setdefault("principals", {}) if has_request_context() else {}
    if user.username not in known:
        principals = ()
        for lookup in extensions.get("actor_principals", current_app):
            principals += tuple(lookup(user.username))
        known[user.username] = principals
    return Actor(user.username, frozenset(user.groups), principals=known[user.username])


def user_for_token(token):
    """The active user of a bearer token (Unauthorized otherwise), as the accounts area looks it up."""
    [lookup] = extensions.get("token_user", current_app)
    return lookup(token)
