"""The JSON API's blueprint `api` under /api (SPEC §5): each area adds its routes to it in its api.py.

Routes are thin: parse the request, call the area's services, shape JSON. Authentication:
`Authorization: Bearer <token>` from POST /api/auth/token, or the UI's session cookie (then CSRF applies
to writes, as on every form post). Errors are JSON, see errors.py.
"""
from flask import Blueprint, current_app, g, request
from flask_login import current_user

from engine.errors import NotFound

from .identity import Unauthorized, bearer_token, current_account, user_for_token
from .errors import BadRequest  # noqa: F401  (what every area's api.py uses)
from .paging import listing, paging  # noqa: F401

bp = Blueprint("api", __name__, url_prefix="/api")

PUBLIC_ENDPOINTS = {"api.issue_token", "api.openapi", "api.docs"}


@bp.before_request
def _authenticate():
    token = bearer_token()
    if token is not None:
        g.api_user = user_for_token(token)  # a bad token is refused even when a session exists
        g.username = g.api_user.username  # for the request's log line, after commits have expired the row
        return
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    if not current_user.is_authenticated:
        raise Unauthorized("请先登录，或在请求头中提供身份令牌（Authorization: Bearer …）")
    _csrf_for_session()


@bp.before_request
def refuse_nul():
    """NUL (U+0000) is in no name, id or text of ours, and PostgreSQL cannot store or compare it (a 500 there,
    kept silently by SQLite): refused up front, after authentication, in the path (404), query or form (400).
    JSON bodies are checked by json_body()."""
    if "\x00" in request.path:
        raise NotFound("请求的资源不存在")
    texts = [*request.args.items(multi=True)]
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        texts += [*request.form.items(multi=True), *((k, f.filename or "") for k, f in request.files.items(multi=True))]
    for key, value in texts:
        key, value = key or "", value or ""  # a multipart part may come without a name
        if "\x00" in key or "\x00" in value:
            raise BadRequest("请求中含有空字符（NUL），请删除后重试", fields={key.replace("\x00", ""): "含有空字符"})


def _has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _csrf_for_session():
    """Cookie-authenticated writes need the CSRF token like any form post; bearer calls do not."""
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True) or request.method not in config.get("WTF_CSRF_METHODS", ()):
        return
    current_app.extensions["csrf"].protect()


def user():
    account = current_account()
    if account is None:
        raise Unauthorized("请先登录")
    return account


def json_body():
    """The request's JSON object; {} for an empty body; 400 for anything else."""
    if not request.get_data(cache=True):
        return {}
    data = request.get_json(force=True, silent=True)
    if data is None:
        raise BadRequest("请求体不是有效的 JSON")
    if not isinstance(data, dict):
        raise BadRequest("请求体须为 JSON 对象")
    if _has_nul(data):
        raise BadRequest("请求体中含有空字符（NUL），请删除后重试")
    return data
