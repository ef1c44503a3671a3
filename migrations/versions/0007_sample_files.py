"""stored_file.sample: demo attachments cited by the forms' examples

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stored_file") as batch:
        batch.add_column(sa.Column("sample", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("stored_file") as batch:
        batch.drop_column("sample")
