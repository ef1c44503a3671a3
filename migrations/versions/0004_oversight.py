"""oversight (issue 6): bulletins, 督查整改, annual plan, asset changes; report indexes

Revision ID: 0004_oversight
Revises: 0003_cockpit
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_oversight"
down_revision = "0003_cockpit"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "oversight_bulletin",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("month", sa.String(7), nullable=False, unique=True),
        sa.Column("generated_at", sa.DateTime(), nullable=False),
        sa.Column("generated_by", sa.String(64), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
    )
    op.create_table(
        "oversight_inspection",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), nullable=False),
        sa.Column("department_code", sa.String(32), sa.ForeignKey("department.code"), nullable=False),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("instance.id")),
        sa.Column("month", sa.String(7)),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requirements", sa.Text()),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("measures", sa.Text()),
        sa.Column("answered_at", sa.DateTime()),
        sa.Column("decision_opinion", sa.Text()),
        sa.Column("consequence", sa.String(32)),
        sa.Column("budget_cap_wan", sa.Numeric(14, 2)),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.DateTime()),
    )
    for col in ("project_id", "department_code", "instance_id", "status"):
        op.create_index(f"ix_oversight_inspection_{col}", "oversight_inspection", [col])
    op.create_table(
        "oversight_sanction_applied",
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("instance.id"), primary_key=True),
        sa.Column("value", sa.String(32), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "oversight_annual_plan",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200)),
        sa.Column("published_at", sa.DateTime()),
        sa.Column("published_by", sa.String(64)),
    )
    op.create_table(
        "oversight_annual_plan_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), nullable=False),
        sa.Column("principle", sa.String(16)),
        sa.Column("position", sa.Integer()),
        sa.Column("plan_amount_wan", sa.Numeric(14, 2)),
        sa.Column("note", sa.Text()),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(64)),
        sa.Column("updated_at", sa.DateTime()),
        sa.UniqueConstraint("year", "project_id"),
    )
    op.create_index("ix_oversight_annual_plan_entry_year", "oversight_annual_plan_entry", ["year"])
    op.create_table(
        "oversight_asset_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submission.id"), nullable=False),
        sa.Column("asset_index", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer()),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("new_location", sa.String(200)),
        sa.Column("new_on_gov_cloud", sa.Boolean()),
        sa.Column("new_managing_unit", sa.String(200)),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.DateTime()),
        sa.Column("decision_note", sa.Text()),
    )
    for col in ("submission_id", "project_id", "status"):
        op.create_index(f"ix_oversight_asset_change_{col}", "oversight_asset_change", [col])
    op.create_index("ix_task_index_bpmn_due", "task_index", ["bpmn_id", "due_at"])
    op.create_index("ix_submission_form_project", "submission", ["form", "project_id"])


def downgrade():
    op.drop_index("ix_submission_form_project", table_name="submission")
    op.drop_index("ix_task_index_bpmn_due", table_name="task_index")
    for name in ("oversight_asset_change", "oversight_annual_plan_entry", "oversight_annual_plan",
                 "oversight_sanction_applied", "oversight_inspection", "oversight_bulletin"):
        op.drop_table(name)
