"""The image captcha shown after repeated failed sign-ins (the `captcha` library draws it here, offline).

The challenge lives on the server (a `login_challenge` row); the browser's session holds only a random id for
it. Answering deletes the row, right or wrong, so a solved challenge cannot be answered again by replaying
the session cookie that named it.
"""
import hashlib
import secrets
from datetime import timedelta

from captcha.image import ImageCaptcha
from flask import session

from engine.db import db

from .clockwork import real_now
from .credentials import LoginChallenge

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
LENGTH = 4
_KEY = "login_captcha"
MAX_AGE = 300  # seconds a challenge may be answered


def _hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _take(token):
    """Delete the challenge named by `token` and return (answer, issued_at), or None when there is none.

    One DELETE … RETURNING in a transaction of its own: of two requests answering the same challenge at
    once, only one gets the row (the read transaction before it is ended first, so SQLite starts a write)."""
    db.session.commit()
    row = db.session.execute(db.delete(LoginChallenge).where(LoginChallenge.id_hash == _hash(token))
                             .returning(LoginChallenge.answer, LoginChallenge.issued_at)
                             .execution_options(synchronize_session=False)).first()
    db.session.commit()
    return row


def new_image():
    """A fresh challenge for this browser (its previous one is dropped); returns the PNG as bytes."""
    text = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    earlier = session.get(_KEY)
    if isinstance(earlier, str) and len(earlier) <= 200:
        _take(earlier)
    token = secrets.token_urlsafe(24)
    db.session.add(LoginChallenge(id_hash=_hash(token), answer=text, issued_at=real_now()))
    db.session.commit()
    session[_KEY] = token
    return ImageCaptcha(width=160, height=60).generate(text).getvalue()


def passes(answer):
    """Whether `answer` matches this browser's current challenge; the challenge is used up either way."""
    token = session.pop(_KEY, None)
    if not isinstance(token, str) or not token or len(token) > 200:
        return False
    row = _take(token)
    if row is None or not isinstance(answer, str) or len(answer) > 16:
        return False
    kept, issued = row
    if real_now() - issued > timedelta(seconds=MAX_AGE):
        return False
    return secrets.compare_digest(kept.upper(), answer.strip().upper())


def sweep():
    """Delete challenges nobody answered in time (run by the scheduler)."""
    db.session.execute(db.delete(LoginChallenge)
                       .where(LoginChallenge.issued_at < real_now() - timedelta(seconds=MAX_AGE)))
