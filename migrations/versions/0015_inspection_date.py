"""督查日期 as entered (the day of the inspection, which may precede the day it was recorded)

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("oversight_inspection") as batch:
        batch.add_column(sa.Column("opened_on", sa.Date()))


def downgrade():
    with op.batch_alter_table("oversight_inspection") as batch:
        batch.drop_column("opened_on")
