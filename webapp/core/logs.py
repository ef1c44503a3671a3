"""Logs an operator can use: one JSON line per request and per scheduler sweep, each with a request id.

The id comes from a proxy's `X-Request-ID` when it is a plain token, else it is made here; it goes back in
the `X-Request-ID` header and onto error pages, so a user can quote it. Unexpected errors are logged with
their stack trace (core/errors.py logs them); the page shows only the message and the id.
EGOV_LOG_FORMAT=text keeps plain lines (e.g. on a developer's terminal).
"""
import contextvars
import logging
import os
import re
import sys
import time
import uuid

from flask import g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

HEADER = "X-Request-ID"
_GIVEN = re.compile(r"[A-Za-z0-9._:-]{8,64}")
request_log = logging.getLogger("egov.request")
# The id of work outside a request (a scheduler sweep): records logged meanwhile carry it as their request id.
work_id = contextvars.ContextVar("egov_work_id", default=None)


class RequestContext(logging.Filter):
    """Adds the request id to every record logged while a request runs (installed as the record factory,
    so every handler sees it, the test's and a syslog forwarder's too)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else work_id.get()
        return True


def _install_record_factory():
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_egov_request_ids", False):
        return
    context = RequestContext()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        context.filter(record)
        return record

    factory._egov_request_ids = True
    logging.setLogRecordFactory(factory)


def configure(force=False):
    """JSON lines on stderr for the egov loggers and Flask's; once per process."""
    _install_record_factory()
    root = logging.getLogger()
    if getattr(root, "_egov_configured", False) and not force:
        return
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("EGOV_LOG_FORMAT", "json").lower() == "text":
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    else:
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False))
    root.handlers = [handler]
    # Our request and sweep lines at INFO; everything else (libraries, the engine's chatter) from WARNING
    # as before, so a CLI command over a thousand instances does not print a line for each.
    root.setLevel(logging.WARNING)
    logging.getLogger("egov").setLevel(logging.INFO)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # our request line replaces its access line
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # SpiffWorkflow logs every task's change of state at INFO: dozens of lines per step, which would drown the
    # request and sweep lines (and fill a pipe that nobody reads); its warnings and errors still come through.
    logging.getLogger("spiff").setLevel(logging.WARNING)
    root._egov_configured = True


def new_id():
    return uuid.uuid4().hex


def _begin():
    given = request.headers.get(HEADER, "")
    g.request_id = given if _GIVEN.fullmatch(given) else new_id()
    g.request_started = time.perf_counter()


def _user():
    try:
        from flask_login import current_user

        if g.get("username"):
            return g.username
        user = g.get("api_user") or current_user
        return getattr(user, "username", None) if getattr(user, "is_authenticated", False) else None
    except Exception:  # no login manager (e.g. a bare app in a test)
        return None


def _finish(response):
    request_id = g.get("request_id")
    if request_id is None:
        return response
    response.headers[HEADER] = request_id
    seconds = time.perf_counter() - g.request_started
    route = request.url_rule.rule if request.url_rule is not None else "(no route)"
    g.request_seconds, g.request_route = seconds, route
    request_log.info("request", extra={
        "event": "request", "user": _user(), "method": request.method,
        "route": route, "path": request.path[:300], "status": response.status_code,
        "ms": round(seconds * 1000, 1), "remote": request.remote_addr})
    return response


def install(app):
    configure()
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)  # first: every later hook has the id
    app.after_request(_finish)
    app.jinja_env.globals["request_id"] = lambda: g.get("request_id") if has_request_context() else None
