"""each project's budget figures in one row (oversight_project_budget), filled from the submissions already
there; the second, identical index on task_index (bpmn_id, due_at) dropped

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "oversight_project_budget",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("approval_id", sa.Integer(), nullable=True),
        sa.Column("approved_amount_wan", sa.Float(), nullable=True),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("contract_amount_wan", sa.Float(), nullable=True),
        sa.Column("paid_wan", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_oversight_project_budget")),
    )
    from webapp.oversight.services.budgets import rebuild

    rebuild(op.get_bind())
    op.drop_index("ix_task_index_bpmn_due", table_name="task_index")  # the same as 0016's ix_task_bpmn_due


def downgrade():
    op.create_index("ix_task_index_bpmn_due", "task_index", ["bpmn_id", "due_at"])
    op.drop_table("oversight_project_budget")
