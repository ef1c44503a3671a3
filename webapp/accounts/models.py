"""The accounts area's tables: users, the groups (roles) they belong to, and API tokens."""
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from engine.db import db


user_groups = db.Table(
    "user_group",
    db.Column("user_id", db.Integer, db.ForeignKey("user.id"), primary_key=True),
    db.Column("group_code", db.String(64), primary_key=True),
)


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), nullable=False, unique=True)
    display_name = db.Column(db.String(100), nullable=False)
    password_hash = db.Column(db.String(256), nullable=False)
    department_code = db.Column(db.String(32), db.ForeignKey("department.code"))
    email = db.Column(db.String(200))
    specialty = db.Column(db.String(64))  # 专业方向 of an expert: panels pick from the pool by it
    active = db.Column(db.Boolean, nullable=False, default=True)
    failed_logins = db.Column(db.Integer, nullable=False, default=0)
    locked_until = db.Column(db.DateTime)
    department = db.relationship("Department")

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @property
    def groups(self):
        # Read once per loaded user (a request): permission checks ask for them many times.
        cached = self.__dict__.get("_groups")
        if cached is None:
            rows = db.session.execute(db.select(user_groups.c.group_code).where(user_groups.c.user_id == self.id))
            cached = self.__dict__["_groups"] = frozenset(r[0] for r in rows)
        return cached

    def prime_groups(self, codes):
        """Groups already read with the user (e.g. joined to the token), so `groups` asks no more."""
        self.__dict__["_groups"] = frozenset(codes)

    def set_groups(self, codes):
        self.__dict__.pop("_groups", None)
        db.session.execute(db.delete(user_groups).where(user_groups.c.user_id == self.id))
        for code in sorted(set(codes)):
            db.session.execute(db.insert(user_groups).values(user_id=self.id, group_code=code))

    @property
    def is_active(self):
        return self.active

    def __eq__(self, other):
        # Not flask-login's comparison of get_id(): that is a sign-in's token here, None outside one.
        if not isinstance(other, User):
            return NotImplemented
        return self is other or (self.id is not None and self.id == other.id)

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self):
        return hash(("user", self.id)) if self.id is not None else id(self)

    def get_id(self):
        """What flask-login keeps in the session and remember-me cookies: the token of this sign-in (a
        `login_session` row, see sessions.py), never the user's id, so deleting the row ends both at once."""
        return self.__dict__.get("_login_token")


class ApiToken(db.Model):
    token_hash = db.Column(db.String(64), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    created_at = db.Column(db.DateTime, nullable=False)
    expires_at = db.Column(db.DateTime, nullable=False)
    user = db.relationship("User")
