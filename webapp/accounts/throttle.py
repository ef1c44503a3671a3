"""Sign-in attempts per client address (等保 8.1.4.1 b), with Flask-Limiter.

Counters live in EGOV_RATELIMIT_STORAGE_URI: by default `egov-db://`, the application database
(throttle_store.py), which every gunicorn worker and host of one installation shares, so an address cannot
spread its attempts over the processes. Any store of the `limits` package may be named instead (redis://…);
`memory://` counts per process only.
"""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from . import settings, throttle_store  # noqa: F401  (registers egov-db://)

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def init_app(app):
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.DEFAULTS["RATELIMIT_STORAGE_URI"])
    limiter.init_app(app)


CAPTCHA_LIMIT = "60 per minute"  # each image is a row until answered or swept


def login_limit():
    """The configured limit, read per request so tests and operators can change it."""
    return settings.get("LOGIN_RATE_LIMIT")


def exempt():
    """Attempts are counted only when the account rules are on, and only POSTs (showing the page is free)."""
    from flask import request

    return request.method != "POST" or not settings.rules_on()
