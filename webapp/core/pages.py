"""Pieces every page blueprint uses: the sign-in guard, the signed-in user, safe redirects, int args."""
from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask_login import current_user

from .identity import actor_of
from .records import db_int


def require_login():
    """before_request of every staff blueprint: anonymous users go to the login page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def require(may):
    """A before_request for a blueprint of one audience: sign-in first, then `may(user)` or 403."""
    def guard():
        refused = require_login()
        if refused is None and not may(current_user):
            abort(403)
        return refused

    return guard


def is_admin():
    return current_user.is_authenticated and "admin" in current_user.groups


def actor():
    return actor_of(current_user._get_current_object())


def user():
    return current_user._get_current_object()


def safe_next(target, default):
    """Only same-site relative paths are followed after login."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def int_arg(source, name):
    """An integer from a query string or form that a database INTEGER can hold, else None."""
    return db_int(source.get(name, ""))
