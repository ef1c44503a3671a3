"""Tables of 市数管局's oversight (issue 6): bulletins, 督查整改, the annual plan, asset changes, each project's
budget figures.

Everything else the reports show is read from the engine's indexed rows (Instance, TaskIndex,
Submission): no workflow is deserialized for a report. The indexes that serve the reports are declared
with those tables (engine.models), and this one: the submissions of a form per project.
"""
from engine.db import db
from engine.models import Submission

JSON = db.JSON

db.Index("ix_submission_form_project", Submission.form, Submission.project_id)


class Bulletin(db.Model):
    """按月通报: one row per month, a snapshot of the figures as generated (automatically or on demand)."""

    __tablename__ = "oversight_bulletin"
    id = db.Column(db.Integer, primary_key=True)
    month = db.Column(db.String(7), nullable=False, unique=True)  # YYYY-MM
    generated_at = db.Column(db.DateTime, nullable=False)
    generated_by = db.Column(db.String(64), nullable=False)  # "system" for the scheduler's run
    rules = db.Column(JSON, nullable=False, default=dict)
    summary = db.Column(JSON, nullable=False, default=dict)
    departments = db.Column(JSON, nullable=False, default=list)
    rows = db.Column(JSON, nullable=False, default=list)


class Inspection(db.Model):
    """督查整改 of one project: opened by 市数管局, answered by the department, accepted or rejected.

    The flow is bpmn/supervision.bpmn (process `inspection`); this row mirrors it for lists and is
    updated in the same transaction as the forms of that process are submitted (see hooks.py).
    """

    __tablename__ = "oversight_inspection"
    id = db.Column(db.Integer, primary_key=True)
    project_id = db.Column(db.Integer, db.ForeignKey("project.id"), nullable=False, index=True)
    department_code = db.Column(db.String(32), db.ForeignKey("department.code"), nullable=False, index=True)
    instance_id = db.Column(db.Integer, db.ForeignKey("instance.id"), index=True)
    month = db.Column(db.String(7))  # the bulletin month that showed the lag
    reason = db.Column(db.Text, nullable=False)
    requirements = db.Column(db.Text)
    deadline = db.Column(db.Date, nullable=False)  # 限期整改
    status = db.Column(db.String(16), nullable=False, default="open", index=True)  # open, answered, accepted, rejected
    opened_by = db.Column(db.String(64), nullable=False)
    opened_at = db.Column(db.DateTime, nullable=False)  # when it was recorded (UTC)
    opened_on = db.Column(db.Date)  # 督查日期 as entered (Beijing day)
    measures = db.Column(db.Text)
    answered_at = db.Column(db.DateTime)
    decision_opinion = db.Column(db.Text)
    consequence = db.Column(db.String(32))  # suspend, budget_cut (on a rejection)
    budget_cap_wan = db.Column(db.Numeric(14, 2))
    decided_by = db.Column(db.String(64))
    decided_at = db.Column(db.DateTime)
    project = db.relationship("Project")
    department = db.relationship("Department")


class SanctionApplied(db.Model):
    """Which running lifecycle instance already carries its department's current sanction."""

    __tablename__ = "oversight_sanction_applied"
    instance_id = db.Column(db.Integer, db.ForeignKey("instance.id"), primary_key=True)
    value = db.Column(db.String(32), nullable=False)  # the department_sanction variable written ("" = none)
    applied_at = db.Column(db.DateTime, nullable=False)


class AnnualPlan(db.Model):
    """年度电子政务项目建设计划 of one build year: a draft 市数管局 edits, then publishes."""

    __tablename__ = "oversight_annual_plan"
    year = db.Column(db.Integer, primary_key=True)
    status = db.Column(db.String(16), nullable=False, default="draft")  # draft, published
    title = db.Column(db.String(200))
    published_at = db.Column(db.DateTime)
    published_by = db.Column(db.String(64))


class AnnualPlanEntry(db.Model):
    """市数管局's edits of one project's line in a year's plan (principle, order, amount, note)."""

    __tablename__ = "oversight_annual_plan_entry"
    __table_args__ = (db.UniqueConstraint("year", "project_id"),)
    id = db.Column(db.Integer, primary_key=True)
    year = db.Column(db.Integer, nullable=False, index=True)
    project_id = db.Column(db.Integer, db.ForeignKey("project.id"), nullable=False)
    principle = db.Column(db.String(16))  # 共享优先, 保障民生, 协调发展
    position = db.Column(db.Integer)
    plan_amount_wan = db.Column(db.Numeric(14, 2))
    note = db.Column(db.Text)
    excluded = db.Column(db.Boolean, nullable=False, default=False)
    updated_by = db.Column(db.String(64))
    updated_at = db.Column(db.DateTime)


class AssetChange(db.Model):
    """A request to move or scrap one registered asset; 市数管局 approves or rejects it (三(四)4)."""

    __tablename__ = "oversight_asset_change"
    id = db.Column(db.Integer, primary_key=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id"), nullable=False, index=True)
    asset_index = db.Column(db.Integer, nullable=False)
    project_id = db.Column(db.Integer, index=True)
    kind = db.Column(db.String(16), nullable=False)  # move, scrap
    new_location = db.Column(db.String(200))
    new_on_gov_cloud = db.Column(db.Boolean)
    new_managing_unit = db.Column(db.String(200))
    reason = db.Column(db.Text, nullable=False)
    status = db.Column(db.String(16), nullable=False, default="pending", index=True)  # pending, approved, rejected
    requested_by = db.Column(db.String(64), nullable=False)
    requested_at = db.Column(db.DateTime, nullable=False)
    decided_by = db.Column(db.String(64))
    decided_at = db.Column(db.DateTime)
    decision_note = db.Column(db.Text)



class ProjectBudget(db.Model):
    """One project's budget figures: the amount of its latest 立项批复 and 合同 and what the 资金拨付审核 that
    agreed have paid. Kept by hooks.py as those forms are submitted, in the same transaction, so the 驾驶舱
    sums one row per project instead of every submission ever made (services.budgets)."""

    __tablename__ = "oversight_project_budget"
    project_id = db.Column(db.Integer, primary_key=True)  # no foreign key: a submission's project_id has none either
    approval_id = db.Column(db.Integer)  # the submission approved_amount_wan comes from (the latest wins)
    approved_amount_wan = db.Column(db.Float)  # None: no readable amount in that 立项批复
    contract_id = db.Column(db.Integer)
    contract_amount_wan = db.Column(db.Float)
    paid_wan = db.Column(db.Float, nullable=False, default=0.0)
