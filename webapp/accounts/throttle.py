"""Sign-in attempts per client address (等保 8.1.4.1 b), with Flask-Limiter.

Counters live in EGOV_RATELIMIT_STORAGE_URI: `memory://` (default) holds them per process, which is right for
one web process; several processes or hosts need a shared store (e.g. redis://) so an address cannot spread
its attempts over them.
"""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from . import settings

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def init_app(app):
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.DEFAULTS["RATELIMIT_STORAGE_URI"])
    limiter.init_app(app)


def login_limit():
    """The configured limit, read per request so tests and operators can change it."""
    return settings.get("LOGIN_RATE_LIMIT")


def exempt():
    """Attempts are counted only when the account rules are on, and only POSTs (showing the page is free)."""
    from flask import request

    return request.method != "POST" or not settings.rules_on()
