"""A device's last sync of a folder records the format it used (``device_syncs.format``: content type and
version, XML or WBXML, SyncML version), and a message of the timeline the error it failed with
(``timeline_messages.error``; its changes were rolled back).

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("device_syncs") as batch:
        batch.add_column(sa.Column("format", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("timeline_messages") as batch:
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("timeline_messages") as batch:
        batch.drop_column("error")
    with op.batch_alter_table("device_syncs") as batch:
        batch.drop_column("format")
