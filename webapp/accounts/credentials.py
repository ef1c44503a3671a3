"""Tables of the accounts area beside `user`: password state, password history, signed-in sessions."""
from engine.db import db


class AccountSecurity(db.Model):
    """Password and second-factor state of one user; no row means the user never set a password themselves."""

    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    password_changed_at = db.Column(db.DateTime)
    must_change_password = db.Column(db.Boolean, nullable=False, default=False)
    totp_secret = db.Column(db.String(64))  # base32; set when enrolment starts
    totp_enabled = db.Column(db.Boolean, nullable=False, default=False)  # after the first code was right
    totp_last_step = db.Column(db.BigInteger)  # a code is accepted once (no replay inside its 30 s)


class PasswordHistory(db.Model):
    """Hashes of a user's earlier passwords, so none of the last few is chosen again."""

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    password_hash = db.Column(db.String(256), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False)


class LoginSession(db.Model):
    """One sign-in: the session cookie and the remember-me cookie carry its random token, stored hashed.

    Deleting the row ends the sign-in at once, whatever cookies the browser still holds.
    """

    token_hash = db.Column(db.String(64), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = db.Column(db.DateTime, nullable=False)
    last_seen = db.Column(db.DateTime, nullable=False)
    remember_until = db.Column(db.DateTime)  # set when 记住我 was ticked; never beyond the configured days
    address = db.Column(db.String(64))
    via = db.Column(db.String(16), nullable=False, default="password")  # password, oidc
    second_factor = db.Column(db.Boolean, nullable=False, default=False)  # TOTP passed in this sign-in


class LoginChallenge(db.Model):
    """A captcha shown on the login page, answerable once: the browser's session names it by a random id
    (stored hashed), so replaying an old cookie finds no row. The answer is kept as drawn: four characters
    of a 32-letter alphabet, a hash would hide nothing."""

    id_hash = db.Column(db.String(64), primary_key=True)
    answer = db.Column(db.String(16), nullable=False)
    issued_at = db.Column(db.DateTime, nullable=False, index=True)


class RateCounter(db.Model):
    """One fixed-window counter of the per-address sign-in limit (throttle_store.py), shared by every
    process on the application database."""

    key = db.Column(db.String(255), primary_key=True)
    hits = db.Column(db.Integer, nullable=False)
    expires_at = db.Column(db.Float, nullable=False, index=True)  # seconds since the epoch, like time.time()


class RecoveryCode(db.Model):
    """A one-time code that stands in for the TOTP code when the phone is lost (recovery_codes.py)."""

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    code_hash = db.Column(db.String(64), nullable=False)  # sha256 over the user id and the code
    created_at = db.Column(db.DateTime, nullable=False)
    used_at = db.Column(db.DateTime)  # set by the one use it has
