"""The tables every area reads: the city's departments and their projects (the shared kernel's data).

Each area keeps its own tables in its models.py (accounts: users and tokens; files: stored files;
modeler: drafts; oversight: bulletins, 督查整改, plans, assets); the factory imports them all.
"""
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
