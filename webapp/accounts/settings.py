"""The security settings of sign-in, passwords, sessions and the audit log, read from the environment.

Every rule of 等保 level 3 is on in production (EGOV_ENV=production). Outside production the demo users sign
in with their documented password (SPEC §5), so the rules that would stop them (forced change, expiry,
captcha, second factor) are off unless EGOV_ACCOUNT_RULES=1 (or the config flag ACCOUNT_RULES) turns them on.
"""
import os

from flask import current_app

DEFAULTS = {
    "ACCOUNT_RULES": None,  # None: follows PRODUCTION
    "PASSWORD_MIN_LENGTH": 8,
    "PASSWORD_MAX_AGE_DAYS": 90,
    "PASSWORD_HISTORY": 5,
    "IDLE_TIMEOUT_MINUTES": 30,
    "REMEMBER_DAYS": 7,
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCK_MINUTES": 15,
    "CAPTCHA_AFTER_FAILURES": 3,
    "LOGIN_RATE_LIMIT": "30 per minute;200 per hour",
    "RATELIMIT_STORAGE_URI": "egov-db://",  # the application database, shared by all processes
    "AUDIT_RETENTION_DAYS": 180,
    "AUDIT_ARCHIVE_DIR": None,  # None: instance/audit-archive
    "OIDC_ISSUER": None,
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    "OIDC_USERNAME_CLAIM": "preferred_username",
    "OIDC_GROUPS_CLAIM": None,  # e.g. "groups": the provider's groups replace the local ones at each sign-in
    "OIDC_SCOPE": "openid profile",
}
_INTEGERS = {key for key, value in DEFAULTS.items() if isinstance(value, int)}


def load(app):
    """Copy EGOV_<NAME> environment variables over the defaults into app.config (config keys already set win)."""
    for key, default in DEFAULTS.items():
        raw = os.environ.get(f"EGOV_{key}")
        if raw is None or raw == "":
            value = default
        elif key == "ACCOUNT_RULES":
            value = raw.strip().lower() in ("1", "true", "yes", "on")
        elif key in _INTEGERS:
            value = int(raw)
        else:
            value = raw
        app.config.setdefault(key, value)
    if app.config["AUDIT_RETENTION_DAYS"] < 180:
        raise RuntimeError("EGOV_AUDIT_RETENTION_DAYS 不得少于 180 天（等保 2.0 三级）")


def get(key):
    value = current_app.config.get(key, DEFAULTS[key])
    return value


def rules_on():
    """Whether forced change, expiry, captcha and the second factor apply (always in production)."""
    flag = current_app.config.get("ACCOUNT_RULES")
    return bool(current_app.config.get("PRODUCTION")) or bool(flag)
