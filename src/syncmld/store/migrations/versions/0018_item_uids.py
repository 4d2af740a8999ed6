"""Items are indexed by their own UID (a vCard's, a calendar object's), so that a CardDAV/CalDAV PUT's UID
clash check and an upstream's matching read one index entry, not the folder. Existing items are read
through the content layer, a batch at a time.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from syncmld.store.uids import indexed_uid

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
"""Items read, and their UIDs written, at a time."""
_items = sa.table(
    "items",
    sa.column("folder_id", sa.Integer),
    sa.column("guid", sa.Text),
    sa.column("content_type", sa.Text),
    sa.column("data", sa.LargeBinary),
    sa.column("deleted", sa.Boolean),
    sa.column("uid", sa.Text),
)


def upgrade() -> None:
    op.add_column("items", sa.Column("uid", sa.Text(), nullable=True))
    connection = op.get_bind()
    update = (
        sa.update(_items)
        .where(_items.c.folder_id == sa.bindparam("b_folder_id"), _items.c.guid == sa.bindparam("b_guid"))
        .values(uid=sa.bindparam("b_uid"))
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
            {"b_folder_id": folder_id, "b_guid": guid, "b_uid": uid}
            for folder_id, guid, content_type, data in rows
            if (uid := indexed_uid(content_type, data)) is not None
        ]
        if found:
            connection.execute(update, found)
        after = (rows[-1][0], rows[-1][1])
    op.create_index("ix_items_folder_id_uid", "items", ["folder_id", "uid"])


def downgrade() -> None:
    op.drop_index("ix_items_folder_id_uid", table_name="items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("uid")
