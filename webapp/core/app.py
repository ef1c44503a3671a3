"""Helpers of the app factory (webapp.create_app): routing, SQLite tuning, the web layer's setup.

`install_web` runs before the areas' init_app (sign-in, CSRF, errors, template helpers), `finish_web`
after them: the API blueprint is registered once every area has added its routes to it.
"""
import secrets
import time
from urllib.parse import urlsplit

from flask import g, request, send_from_directory
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from engine.db import INT_MAX

from . import logs, templating
from .api import bp as api_bp
from .api import refuse_nul
from .errors import register_errors
from .identity import login_manager

csrf = CSRFProtect()


def _digits_up_to(limit):
    """A regex for the decimal numbers 0..limit (so the router never hands a view a larger one)."""
    text = str(limit)
    alternatives = [rf"\d{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        low = 1 if i == 0 and len(text) > 1 else 0
        if int(digit) > low:
            alternatives.append(f"{text[:i]}[{low}-{int(digit) - 1}]\\d{{{len(text) - i - 1}}}")
    return "(?:" + "|".join([*alternatives, text]) + ")"


class RowIdConverter(IntegerConverter):
    """`<int:…>` in every route: a number beyond the database's INTEGER is no row's id, so the URL matches no
    route (404) instead of reaching a query the driver cannot bind (a 500). The bound is in the regex, not only
    in to_python: werkzeug answers a converter's refusal with 405 when another method's rule has the same path."""

    regex = _digits_up_to(INT_MAX)

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def tune_sqlite(engine):
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


IDLE_PING_SECONDS = 10.0


def ping_when_idle(engine):
    """A pooled PostgreSQL connection is tested before use only when it sat idle for a while (a restarted or
    failed-over server drops idle connections); a busy one goes straight to work, saving a round trip per request
    that `pool_pre_ping` would spend."""
    if engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, _proxy):
        now = time.monotonic()
        if now - record.info.get("used", now) >= IDLE_PING_SECONDS:
            try:
                engine.dialect.do_ping(dbapi_conn)  # the dialect's own ping, as pool_pre_ping uses
            except Exception as exc:  # the pool then discards this connection and takes another
                raise DisconnectionError("idle connection is gone") from exc
        record.info["used"] = now

    @event.listens_for(engine, "checkin")
    def _used(_dbapi_conn, record):
        if record is not None:
            record.info["used"] = time.monotonic()


def trust_proxies(app):
    """Believe X-Forwarded-For/-Proto/-Host/-Prefix from exactly PROXY_HOPS proxies; by default from none, so a
    client cannot choose the address the audit log records or the scheme the cookies are set for."""
    hops = app.config.get("PROXY_HOPS") or 0
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)


def install_web(app):
    """Request ids and JSON logs, sign-in, CSRF, error answers and template helpers; the areas come next."""
    trust_proxies(app)
    logs.install(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    csrf.exempt(api_bp)  # the API checks CSRF itself, for cookie-authenticated writes only
    if not getattr(api_bp, "_egov_errors", False):  # a blueprint is set up once, however many apps
        register_errors(api_bp)  # the API's own handlers win over the app's for its requests: always JSON
        api_bp._egov_errors = True
    register_errors(app)
    templating.install(app)

    @app.before_request
    def _refuse_nul_in_pages():
        """The pages get the API's rule (core.api): NUL is in no name, id or text of ours, and
        PostgreSQL cannot store or compare it. The API checks after authentication, itself."""
        if not request.path.startswith("/api"):
            refuse_nul()

    app.add_template_global(csp_nonce)

    @app.get("/favicon.ico")
    def favicon():
        """The emblem as the browser's tab icon; browsers ask for it on every page, print views included."""
        return send_from_directory(app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", content_security_policy(app))
        return response


def csp_nonce():
    """This response's script nonce: the only inline scripts a page may run carry it."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(app):
    """No script but our own files and this response's nonced blocks; styles may be inline (bpmn-js,
    dmn-js and echarts set style attributes), nothing else from elsewhere. Forms may post to the city's
    identity provider (logout goes on to it)."""
    issuer = app.config.get("OIDC_ISSUER") or ""
    parts = urlsplit(issuer)
    form_to = f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return ("default-src 'self'; "
            f"script-src 'self' 'nonce-{csp_nonce()}'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
            "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
            f"frame-ancestors 'self'; form-action 'self'{form_to}")


def finish_web(app):
    """Register the API blueprint, now that every area's api.py has added its routes (and OpenAPI entries)."""
    from . import openapi  # noqa: F401  (GET /api/openapi.json)

    app.register_blueprint(api_bp)
