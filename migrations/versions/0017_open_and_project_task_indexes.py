"""task-index indexes that keep the daily pages independent of history: open tasks by deadline (overdue
counts, the 待办 count), a project's tasks of one kind by due time (the bulletin's 进度表 per project)

Revision ID: 0017
Revises: 0016
"""
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_task_state_due", "task_index", ["state", "due_at"])
    op.create_index("ix_task_project_bpmn_due", "task_index", ["project_id", "bpmn_id", "due_at"])


def downgrade():
    op.drop_index("ix_task_project_bpmn_due", table_name="task_index")
    op.drop_index("ix_task_state_due", table_name="task_index")
