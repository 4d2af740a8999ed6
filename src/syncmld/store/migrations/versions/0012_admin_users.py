"""The web admin's users (a name and a password hash each), the timeline of sync sessions message by
message, and the syncs and failures of each hour.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_users",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_admin_users"),
    )
    op.create_table(
        "timeline_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("device_ref", sa.Text(), nullable=False),
        sa.Column("msg_id", sa.Text(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("duration_ms", sa.Double(), nullable=False),
        sa.Column("size_in", sa.Integer(), nullable=False),
        sa.Column("size_out", sa.Integer(), nullable=False),
        sa.Column("encoding", sa.Text(), nullable=False),
        sa.Column("commands_in", sa.Text(), nullable=False),
        sa.Column("statuses_in", sa.Text(), nullable=False),
        sa.Column("commands_out", sa.Text(), nullable=False),
        sa.Column("statuses_out", sa.Text(), nullable=False),
        sa.Column("dump_in", sa.Text(), nullable=True),
        sa.Column("dump_out", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_timeline_messages"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_timeline_messages_account_id_accounts", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_timeline_messages_session_id", "timeline_messages", ["session", "id"])
    op.create_index("ix_timeline_messages_account_id_at", "timeline_messages", ["account_id", "at"])
    op.create_index("ix_timeline_messages_at", "timeline_messages", ["at"])
    op.create_table(
        "sync_hours",
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("syncs", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("refused_logins", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", name="pk_sync_hours"),
    )


def downgrade() -> None:
    op.drop_table("sync_hours")
    op.drop_table("timeline_messages")
    op.drop_table("admin_users")
