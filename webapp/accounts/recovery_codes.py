"""Recovery codes of the second factor: ten one-time codes handed out when TOTP is bound (and on request),
each accepted once in place of a TOTP code, so a lost phone does not lock an administrator out.

Only hashes are stored. A code has 60 random bits, so a plain sha256 (salted with the user id) cannot be
reversed by trying; a code is spent by one conditional UPDATE, so two sign-ins racing with it cannot both
pass. Issuing and every use are audit events.
"""
import hashlib
import secrets

from engine.audit import record
from engine.db import db

from .clockwork import real_now
from .credentials import RecoveryCode

COUNT = 10
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 letters (5 bits each), no 0/O, 1/I
GROUPS, GROUP_LENGTH = 3, 4


def _normal(code):
    return "".join(code.split()).replace("-", "").upper() if isinstance(code, str) else ""


def _hash(user_id, code):
    return hashlib.sha256(f"{user_id}:{_normal(code)}".encode("utf-8")).hexdigest()


def looks_like(code):
    """Whether `code` has a recovery code's shape (the second-factor form takes both kinds)."""
    text = _normal(code)
    return len(text) == GROUPS * GROUP_LENGTH and all(c in ALPHABET for c in text)


def issue(user, actor=None):
    """Ten new codes for `user`, replacing any earlier ones; returns them (the only time they are shown)."""
    codes = ["-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
             for _ in range(COUNT)]
    discard(user)
    now = real_now()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(user.id, c), created_at=now) for c in codes)
    record("recovery_codes", actor or user.username, payload={"user": user.username, "count": COUNT})
    return codes


def discard(user):
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def remaining(user):
    return db.session.execute(db.select(db.func.count()).select_from(RecoveryCode)
                              .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalar()


def use(user, code, via):
    """Spend one of the user's unused codes; True when `code` was one. Audited either way it went right."""
    if not looks_like(code):
        return False
    spent = db.session.execute(
        db.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(user.id, code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=real_now()).execution_options(synchronize_session=False)).rowcount
    if spent != 1:
        return False
    record("recovery_code_use", user.username, payload={"user": user.username, "via": via,
                                                        "remaining": remaining(user)})
    return True
