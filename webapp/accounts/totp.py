"""The second factor (等保 8.1.4.1 d: two or more ways of identification): TOTP codes from an authenticator app.

Required for every administrative role when the account rules are on. A code is accepted once: its time step
is remembered, so a code seen over a shoulder cannot be replayed within its 30 seconds.
"""
import time

import pyotp
import segno

from . import settings
from .passwords import security_of

ISSUER = "六安市电子政务项目管理"
ADMIN_GROUPS = frozenset({"admin", "sysadmin", "secadmin", "auditor"})


def required(user):
    return settings.rules_on() and bool(ADMIN_GROUPS & set(user.groups))


def enrolled(user):
    row = security_of(user)
    return bool(row.totp_enabled and row.totp_secret)


def begin(user):
    """A secret for enrolment (kept until the first right code confirms it) and its QR code as SVG text."""
    row = security_of(user)
    if not row.totp_secret or not row.totp_enabled:
        row.totp_secret = pyotp.random_base32()
    uri = pyotp.TOTP(row.totp_secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return row.totp_secret, qr_svg(uri)


def qr_svg(uri):
    """The QR code as an SVG data URI (rendered on the server; no script, no outside service)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5)


def check(user, code, at=None):
    """Whether `code` is the user's current code (one step of clock drift either way), used at most once."""
    row = security_of(user)
    code = (code or "").strip().replace(" ", "")
    if not row.totp_secret or len(code) != 6 or not code.isascii() or not code.isdigit():
        return False
    totp = pyotp.TOTP(row.totp_secret)
    now = at if at is not None else time.time()
    for drift in (0, -1, 1):
        step = int((now + drift * totp.interval) // totp.interval)
        if totp.at(now + drift * totp.interval) == code:
            if row.totp_last_step is not None and step <= row.totp_last_step:
                return False
            row.totp_last_step = step
            row.totp_enabled = True
            return True
    return False


def reset(user):
    """An administrator's reset (e.g. a lost phone): the user enrols again at the next sign-in."""
    from . import recovery_codes

    row = security_of(user)
    row.totp_secret, row.totp_enabled, row.totp_last_step = None, False, None
    recovery_codes.discard(user)  # they belonged to the second factor being reset
