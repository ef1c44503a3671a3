"""Errors of every request: `{"error", "message", "fields"}` on /api (and for clients asking for JSON),
a short Chinese page elsewhere; an unexpected exception is logged and answered with a bare 500, never a
stack trace. The session is rolled back first, so a rejected request keeps nothing.
"""
import logging

from flask import current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from jinja2 import TemplateNotFound
from markupsafe import escape
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from engine.db import db
from engine.errors import EngineError

from .identity import login_manager

log = logging.getLogger(__name__)


class BadRequest(EngineError):
    """A request the server cannot read (a query argument, a JSON body): 400 with a Chinese message."""

    status = 400
    code = "bad_request"


HTTP_CODES = {
    400: ("bad_request", "请求格式错误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "请求的资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "数据状态冲突，请刷新后重试"),
    413: ("too_large", "上传内容过大"),
    415: ("unsupported_media_type", "不支持的请求格式"),
    422: ("invalid", "数据校验未通过"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误，请稍后重试；如持续出现请联系管理员"),
}


def wants_json():
    if request.path.startswith("/api/") or request.path == "/api":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status, code, message, fields=None, extra=None):
    if wants_json():
        body = {"error": code, "message": message, "fields": fields or {}, **(extra or {})}
        response = jsonify(body)
        response.status_code = status
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    try:
        return render_template("error.html", status=status, code=code, message=message, fields=fields or {}), status
    except TemplateNotFound:
        return (f"<!doctype html><meta charset=utf-8><title>{status}</title>"
                f"<h1>{status}</h1><p>{escape(message)}</p>"), status


def register_errors(target):
    """JSON (or a plain page) for every error, on the app or on a blueprint."""
    @target.errorhandler(EngineError)
    def _engine_error(exc):
        db.session.rollback()
        body = exc.as_dict()
        extra = {k: v for k, v in body.items() if k not in ("error", "message", "fields")}
        return error_response(exc.status, exc.code, exc.message, exc.fields, extra)

    @target.errorhandler(CSRFError)
    def _csrf_error(exc):
        db.session.rollback()
        return error_response(400, "csrf_failed", "页面已过期或缺少安全令牌（CSRF），请刷新页面后重试")

    @target.errorhandler(HTTPException)
    def _http_error(exc):
        db.session.rollback()
        if exc.code is None or exc.code < 400:
            return exc
        code, message = HTTP_CODES.get(exc.code, (exc.name.lower().replace(" ", "_"), exc.description))
        if exc.code == 401 and not wants_json():
            try:
                return login_manager.unauthorized()
            except Exception:  # no login page registered (yet): answer plainly
                pass
        response = error_response(exc.code, code, message)
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response = current_app.make_response(response)
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @target.errorhandler(IntegrityError)
    @target.errorhandler(StaleDataError)
    def _lost_race(exc):
        """Two requests wrote one row at once and the database refused the second: the caller may retry.
        (Writes of shared rows are made safe where they are written; this answers any that is not yet.)"""
        db.session.rollback()
        log.warning("并发写入冲突：%s %s：%s", request.method, request.path, str(exc).splitlines()[0][:200])
        return error_response(409, "conflict", "数据已被他人同时修改，请刷新后重试")

    @target.errorhandler(OperationalError)
    def _busy(exc):
        if not any(word in str(exc) for word in ("locked", "deadlock detected", "could not serialize")):
            return _unexpected(exc)
        db.session.rollback()
        return error_response(409, "conflict", "数据正被他人修改，请稍后重试")

    @target.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("未处理的异常：%s %s", request.method, request.path)
        try:
            db.session.rollback()
        except Exception:  # the session itself may be broken; the answer must still go out
            log.exception("回滚失败")
        code, message = HTTP_CODES[500]
        return error_response(500, code, message)
