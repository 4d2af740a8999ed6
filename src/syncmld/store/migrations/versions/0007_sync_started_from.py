"""Sync states remember the anchors their sync began with, so that a client that missed the end of
a completed sync is recognised instead of being sent into a slow sync.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sync_states", sa.Column("started_client_anchor", sa.Text(), nullable=True))
    op.add_column("sync_states", sa.Column("started_server_anchor", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_states") as batch:
        batch.drop_column("started_server_anchor")
        batch.drop_column("started_client_anchor")
