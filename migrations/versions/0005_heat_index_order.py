"""heat-view index led by process, not by state

An index led by `state` made SQLite answer the 待办 query (state = 'ready' and my groups, by deadline)
by scanning every ready task; the heat view filters by process first anyway.

Revision ID: 0005
Revises: 0004_oversight
"""
from alembic import op

revision = "0005"
down_revision = "0004_oversight"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_task_state_bpmn", table_name="task_index")
    op.create_index("ix_task_process_bpmn_state", "task_index", ["process_id", "bpmn_id", "state"])


def downgrade():
    op.drop_index("ix_task_process_bpmn_state", table_name="task_index")
    op.create_index("ix_task_state_bpmn", "task_index", ["state", "process_id", "bpmn_id"])
