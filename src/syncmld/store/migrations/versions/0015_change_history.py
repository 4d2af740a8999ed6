"""Every item write recorded by change session (a sync, an undo, a dedupe, a restore), with the item's
version before and after and the kept version (item_history) holding its content before: what a session
did can be shown and undone.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("started_at", sa.Double(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("session_key", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_change_sessions"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_change_sessions_account_id_accounts", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("session_key", name="uq_change_sessions_session_key"),
    )
    op.create_index("ix_change_sessions_account_id_started_at", "change_sessions", ["account_id", "started_at"])
    op.create_index("ix_change_sessions_started_at", "change_sessions", ["started_at"])
    op.create_table(
        "item_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("folder_id", sa.Integer(), nullable=False),
        sa.Column("guid", sa.Text(), nullable=False),
        sa.Column("change", sa.Text(), nullable=False),
        sa.Column("version_before", sa.Integer(), nullable=False),
        sa.Column("version_after", sa.Integer(), nullable=False),
        sa.Column("seq_before", sa.BigInteger(), nullable=False),
        sa.Column("seq_after", sa.BigInteger(), nullable=False),
        sa.Column("history_id", sa.Integer(), nullable=True),
        sa.Column("before_parent", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_item_changes"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["change_sessions.id"],
            name="fk_item_changes_session_id_change_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["folder_id"], ["folders.id"], name="fk_item_changes_folder_id_folders", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["history_id"], ["item_history.id"], name="fk_item_changes_history_id_item_history", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_item_changes_session_id_seq_after", "item_changes", ["session_id", "seq_after"])
    op.create_index("ix_item_changes_history_id", "item_changes", ["history_id"])


def downgrade() -> None:
    op.drop_table("item_changes")
    op.drop_table("change_sessions")
