"""A pending notification counts the changes of each of its folders, so that a delivery forgets only the changes its
claim saw: one that came while the notification was on its way is told by a notification of its own.

Revision ID: 0028
Revises: 0027
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A folder pending before the upgrade holds one change as far as a claim made from now on can tell.
    with op.batch_alter_table("push_pending_folders") as batch:
        batch.add_column(sa.Column("changes", sa.BigInteger(), nullable=False, server_default="1"))
    with op.batch_alter_table("push_pending_folders") as batch:
        batch.alter_column("changes", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("push_pending_folders") as batch:
        batch.drop_column("changes")
