"""Push: the devices told when their data changes, the folders each syncs, and pending notifications.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, referred: str, referred_column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.{referred_column}"], name=f"fk_{table}_{column}_{referred}", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "push_devices",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("wbxml", sa.Boolean(), nullable=False),
        sa.Column("awaiting_since", sa.Double(), nullable=True),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name="pk_push_devices"),
        _fk("push_devices", "device_id", "devices", "id"),
    )
    op.create_table(
        "push_folders",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("folder_id", sa.Integer(), nullable=False),
        sa.Column("remote_uri", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "folder_id", name="pk_push_folders"),
        _fk("push_folders", "device_id", "devices", "id"),
        _fk("push_folders", "folder_id", "folders", "id"),
    )
    op.create_index("ix_push_folders_folder_id", "push_folders", ["folder_id"])
    op.create_table(
        "push_pending",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.Double(), nullable=False),
        sa.Column("last_at", sa.Double(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.Double(), nullable=False),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("claimed_until", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("device_id", name="pk_push_pending"),
        _fk("push_pending", "device_id", "push_devices", "device_id"),
    )
    op.create_table(
        "push_pending_folders",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("folder_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "folder_id", name="pk_push_pending_folders"),
        _fk("push_pending_folders", "device_id", "push_pending", "device_id"),
        _fk("push_pending_folders", "folder_id", "folders", "id"),
    )


def downgrade() -> None:
    op.drop_table("push_pending_folders")
    op.drop_table("push_pending")
    op.drop_table("push_folders")
    op.drop_table("push_devices")
