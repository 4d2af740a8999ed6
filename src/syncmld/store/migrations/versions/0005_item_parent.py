"""Items get a parent: the GUID of a folder item of the same folder (SyncML 1.2 folder trees).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("items", sa.Column("parent", sa.Text(), nullable=True))
    op.create_index("ix_items_folder_id_parent", "items", ["folder_id", "parent"])


def downgrade() -> None:
    op.drop_index("ix_items_folder_id_parent", table_name="items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("parent")
