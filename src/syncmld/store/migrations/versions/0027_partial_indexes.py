"""The indexes of columns most rows leave NULL hold the other rows only: an item's parent (most items are at the top
level), its UID (most phones send none) and a change's kept version (a change that added an item keeps none). Each
row written without one costs one index entry less; every query of these indexes names a value, which a NULL never
matches, so they find what they found.

Revision ID: 0027
Revises: 0026
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_items_folder_id_parent", "items", ["folder_id", "parent"], "parent"),
    ("ix_items_folder_id_uid", "items", ["folder_id", "uid"], "uid"),
    ("ix_item_changes_history_id", "item_changes", ["history_id"], "history_id"),
)


def upgrade() -> None:
    for name, table, columns, nullable in _INDEXES:
        op.drop_index(name, table_name=table)
        where = sa.text(f"{nullable} IS NOT NULL")
        op.create_index(name, table, columns, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name, table, columns, _ in _INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
