"""experts' specialty (专业方向), the expert pool the panels pick from

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("specialty", sa.String(64)))


def downgrade():
    with op.batch_alter_table("user") as batch:
        batch.drop_column("specialty")
