"""Domain tables of the application: departments, users and their groups, projects, files, tokens."""
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from engine.db import db
from engine.models import Instance


class Department(db.Model):
    code = db.Column(db.String(32), primary_key=True)  # e.g. gaj; its group is dept:gaj
    name = db.Column(db.String(100), nullable=False, unique=True)
    # Set when a 督查整改 failed: next year's 申报 is suspended or its budget cut (SPEC §2).
    sanction = db.Column(db.String(32))
    sanction_note = db.Column(db.Text)

    @property
    def group(self):
        return f"dept:{self.code}"


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


class Project(db.Model):
    """One e-government project; its life is the lifecycle instance, its stage that instance's stage."""

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False, unique=True)
    department_code = db.Column(db.String(32), db.ForeignKey("department.code"), nullable=False, index=True)
    build_year = db.Column(db.Integer, nullable=False, index=True)
    budget_wan = db.Column(db.Numeric(14, 2))
    created_by = db.Column(db.String(64))
    created_at = db.Column(db.DateTime, nullable=False)
    instance_id = db.Column(db.Integer, db.ForeignKey("instance.id"), index=True)
    department = db.relationship("Department")
    instance = db.relationship(Instance, foreign_keys=[instance_id])


class StoredFile(db.Model):
    """An uploaded document, kept with its checksum; served only to users who may see its project."""

    id = db.Column(db.String(36), primary_key=True)
    project_id = db.Column(db.Integer, db.ForeignKey("project.id"), index=True)
    department_code = db.Column(db.String(32))
    filename = db.Column(db.String(255), nullable=False)
    content_type = db.Column(db.String(100), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)
    data = db.deferred(db.Column(db.LargeBinary, nullable=False))  # read only when downloaded
    uploaded_by = db.Column(db.String(64), nullable=False)
    uploaded_at = db.Column(db.DateTime, nullable=False)
    # A demo attachment named in a form's example (seed-demo, never in production): any project's form
    # may cite it, so 填写示例 passes as it stands; it is never bound to a project.
    sample = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())


class ApiToken(db.Model):
    token_hash = db.Column(db.String(64), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    created_at = db.Column(db.DateTime, nullable=False)
    expires_at = db.Column(db.DateTime, nullable=False)
    user = db.relationship("User")
from .admin import models as _admin_models  # noqa: E402,F401  (cockpit and modeler tables, issue 5)
from .oversight import models as _oversight_models  # noqa: E402,F401  (bulletins, 督查整改, plan, assets, issue 6)
