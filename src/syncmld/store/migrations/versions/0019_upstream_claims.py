"""An account's upstream is synced by one server process at a time, whichever worker a device reaches: the
process holding it and until when (a lease it renews while it syncs).

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("upstreams", sa.Column("claimed_by", sa.Text(), nullable=True))
    op.add_column("upstreams", sa.Column("claimed_until", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("upstreams") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
