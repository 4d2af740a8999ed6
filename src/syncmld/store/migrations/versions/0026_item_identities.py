"""Items are indexed by their slow-sync identity (a contact's name, an event's UID), so that a slow sync's
message reads only the server items its own items may duplicate, not the folder. Existing items are read
through the content layer here, a batch at a time, so that every live row has its entry from the start.

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from syncmld import content
from syncmld.store.uids import identity_key

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
"""Items read, and their identities written, at a time."""
_items = sa.table(
    "items",
    sa.column("folder_id", sa.Integer),
    sa.column("guid", sa.Text),
    sa.column("content_type", sa.Text),
    sa.column("data", sa.LargeBinary),
    sa.column("deleted", sa.Boolean),
    sa.column("identity", sa.Text),
)


def upgrade() -> None:
    op.add_column("items", sa.Column("identity", sa.Text(), nullable=True))
    connection = op.get_bind()
    update = (
        sa.update(_items)
        .where(_items.c.folder_id == sa.bindparam("b_folder_id"), _items.c.guid == sa.bindparam("b_guid"))
        .values(identity=sa.bindparam("b_identity"))
    )
    after: tuple[int, str] = (-1, "")
    while True:
        rows = connection.execute(
            sa.select(_items.c.folder_id, _items.c.guid, _items.c.content_type, _items.c.data)
            .where(_items.c.deleted.is_(False), sa.tuple_(_items.c.folder_id, _items.c.guid) > after)
            .order_by(_items.c.folder_id, _items.c.guid)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        found = [
            {
                "b_folder_id": folder_id,
                "b_guid": guid,
                "b_identity": identity_key(content.read(content_type, data).identity),
            }
            for folder_id, guid, content_type, data in rows
        ]
        connection.execute(update, found)
        after = (rows[-1][0], rows[-1][1])
    op.create_index("ix_items_folder_id_identity", "items", ["folder_id", "identity"])


def downgrade() -> None:
    op.drop_index("ix_items_folder_id_identity", table_name="items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("identity")
