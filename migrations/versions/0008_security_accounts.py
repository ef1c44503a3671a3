"""audit hash chain and archive; account security, password history, sign-in sessions

Revision ID: 0008
Revises: 0007
"""
import json
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("address", sa.String(64)))
        batch.add_column(sa.Column("seq", sa.BigInteger()))
        batch.add_column(sa.Column("prev_hash", sa.String(64)))
        batch.add_column(sa.Column("hash", sa.String(64)))
        batch.create_index("ix_audit_event_actor", ["actor"])
        batch.create_index("ix_audit_event_kind", ["kind"])
        batch.create_index("ix_audit_event_address", ["address"])
        batch.create_unique_constraint("uq_audit_event_seq", ["seq"])
    op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_archive",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False, unique=True),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("before", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    _seal_existing()
    op.create_table(
        "account_security",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("password_changed_at", sa.DateTime()),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("totp_secret", sa.String(64)),
        sa.Column("totp_enabled", sa.Boolean(), nullable=False),
        sa.Column("totp_last_step", sa.BigInteger()),
    )
    op.create_table(
        "password_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "login_session",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("remember_until", sa.DateTime()),
        sa.Column("address", sa.String(64)),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("second_factor", sa.Boolean(), nullable=False),
    )


def _seal_existing():
    """Chain the rows written before the chain existed, in the order they were written."""
    from engine.audit import row_hash

    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, at, actor, kind, instance_id, project_id, task_id, payload, address FROM audit_event ORDER BY id"))
    event = sa.table("audit_event", sa.column("id"), sa.column("seq"), sa.column("prev_hash"), sa.column("hash"))
    prev, seq = "", 0
    for row in rows.mappings().all():
        data = dict(row)
        if isinstance(data["payload"], str):  # SQLite hands JSON back as text
            data["payload"] = json.loads(data["payload"])
        if isinstance(data["at"], str):
            data["at"] = datetime.fromisoformat(data["at"])
        seq += 1
        item = SimpleNamespace(**data, seq=seq)
        digest = row_hash(item, prev)
        conn.execute(event.update().where(event.c.id == row.id).values(seq=seq, prev_hash=prev, hash=digest))
        prev = digest
    conn.execute(sa.text("INSERT INTO audit_chain (id, seq, hash) VALUES (1, :seq, :hash)"),
                 {"seq": seq, "hash": prev})


def downgrade():
    op.drop_table("login_session")
    op.drop_table("password_history")
    op.drop_table("account_security")
    op.drop_table("audit_archive")
    op.drop_table("audit_chain")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_constraint("uq_audit_event_seq", type_="unique")
        batch.drop_index("ix_audit_event_address")
        batch.drop_index("ix_audit_event_kind")
        batch.drop_index("ix_audit_event_actor")
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
        batch.drop_column("address")

