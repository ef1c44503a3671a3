"""indexes that keep reports independent of history: a form's latest submission per project, payments by
time, the monthly 进度表 tasks by due time, approvals by the plan year they name

Revision ID: 0016
Revises: 0015
"""
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_submission_form_latest", "submission", ["form", "draft", "project_id", "id"])
    op.create_index("ix_submission_form_time", "submission", ["form", "submitted_at"])
    op.create_index("ix_task_bpmn_due", "task_index", ["bpmn_id", "due_at"])
    # The approvals naming a 投资计划年度 (the annual plan), the expression plan._plan_year_is compares.
    expression = ("(data ->> 'investment_plan_year')" if op.get_bind().dialect.name == "postgresql"
                  else "json_extract(data, '$.investment_plan_year')")
    op.execute(f"CREATE INDEX ix_submission_plan_year ON submission (({expression})) "
               "WHERE form = 'establishment-approval.schema.json'")


def downgrade():
    op.drop_index("ix_submission_plan_year", table_name="submission")
    op.drop_index("ix_task_bpmn_due", table_name="task_index")
    op.drop_index("ix_submission_form_time", table_name="submission")
    op.drop_index("ix_submission_form_latest", table_name="submission")
