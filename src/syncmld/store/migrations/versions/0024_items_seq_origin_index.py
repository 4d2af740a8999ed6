"""The index of items by folder and sequence number holds the device of each item's latest change too: a
slow sync looks for duplicates among the items changed since it began without reading the rows its own
device wrote.

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_items_folder_id_seq_origin_device_id", "items", ["folder_id", "seq", "origin_device_id"])
    op.drop_index("ix_items_folder_id_seq", "items")


def downgrade() -> None:
    op.create_index("ix_items_folder_id_seq", "items", ["folder_id", "seq"])
    op.drop_index("ix_items_folder_id_seq_origin_device_id", "items")
