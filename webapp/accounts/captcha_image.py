"""The image captcha shown after repeated failed sign-ins (the `captcha` library draws it here, offline)."""
import base64
import hashlib
import hmac
import secrets
import time

from captcha.image import ImageCaptcha
from flask import current_app, session

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
LENGTH = 4
_KEY = "login_captcha"
MAX_AGE = 300  # seconds a challenge may be answered


def _seal(nonce, issued, text):
    # The session cookie is signed, not encrypted: it keeps an HMAC of the answer, never the answer itself.
    message = f"{nonce}|{issued}|{text.upper()}".encode()
    return hmac.new(current_app.secret_key.encode(), message, hashlib.sha256).hexdigest()


def new_image():
    """A fresh challenge kept in the (signed) session; returns the PNG as bytes."""
    text = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    nonce, issued = secrets.token_hex(8), int(time.time())
    session[_KEY] = [nonce, issued, _seal(nonce, issued, text)]
    return ImageCaptcha(width=160, height=60).generate(text).getvalue()


def new_data_uri():
    return "data:image/png;base64," + base64.b64encode(new_image()).decode("ascii")


def passes(answer):
    """Whether `answer` matches the current challenge; a challenge is used once, right or wrong."""
    kept = session.pop(_KEY, None)
    if not isinstance(kept, list) or len(kept) != 3 or not isinstance(answer, str) or len(answer) > 16:
        return False
    nonce, issued, sealed = kept
    if not isinstance(issued, int) or time.time() - issued > MAX_AGE:
        return False
    return hmac.compare_digest(str(sealed), _seal(nonce, issued, answer.strip()))
