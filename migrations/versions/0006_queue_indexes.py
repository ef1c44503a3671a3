"""task-index indexes in the exact order of the 待办 list

Per group and per assignee: state, then deadline (those without one last), age, id. A page of the work
queue is then read off the index, whatever the number of tasks.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ORDER = [sa.text("(due_at IS NULL)"), "due_at", "created_at", "id"]


def upgrade():
    op.drop_index("ix_task_group_state_due", table_name="task_index")
    op.drop_index("ix_task_assignee_state", table_name="task_index")
    op.create_index("ix_task_group_queue", "task_index", ["group_code", "state", *ORDER])
    op.create_index("ix_task_assignee_queue", "task_index", ["assignee", "state", *ORDER])


def downgrade():
    op.drop_index("ix_task_assignee_queue", table_name="task_index")
    op.drop_index("ix_task_group_queue", table_name="task_index")
    op.create_index("ix_task_assignee_state", "task_index", ["assignee", "state"])
    op.create_index("ix_task_group_state_due", "task_index", ["group_code", "state", "due_at"])
