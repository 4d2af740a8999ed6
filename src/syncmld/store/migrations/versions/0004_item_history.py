"""Earlier versions of items (replaced, deleted, lost a conflict), kept for a configurable time.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("folder_id", sa.Integer(), nullable=False),
        sa.Column("guid", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.Double(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_item_history"),
        sa.ForeignKeyConstraint(
            ["folder_id"], ["folders.id"], name="fk_item_history_folder_id_folders", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_item_history_folder_id_guid", "item_history", ["folder_id", "guid"])
    op.create_index("ix_item_history_saved_at", "item_history", ["saved_at"])


def downgrade() -> None:
    op.drop_table("item_history")
