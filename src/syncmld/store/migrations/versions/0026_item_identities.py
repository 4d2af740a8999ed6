"""Items are indexed by the key of their slow-sync identity (a contact's name, an event's UID), so that a slow
sync's message reads only the server items its own items may duplicate, not the folder. The key is NULL until
worked out: the first slow sync that looks for duplicates in a folder works it out for the items there and keeps
it, so that nothing is read here and an upgrade costs the same whatever the store holds.

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("items", sa.Column("identity", sa.Text(), nullable=True))
    op.create_index("ix_items_folder_id_identity", "items", ["folder_id", "identity"])


def downgrade() -> None:
    op.drop_index("ix_items_folder_id_identity", table_name="items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("identity")
