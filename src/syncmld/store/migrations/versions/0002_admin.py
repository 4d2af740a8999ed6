"""Administration: server settings, domains, the access list and the last sync of each device and
folder.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_settings"),
    )
    op.create_table(
        "domains",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_domains"),
    )
    op.create_table(
        "access_list",
        sa.Column("entry", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("entry", name="pk_access_list"),
    )
    op.create_table(
        "device_syncs",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("folder_name", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("finished_at", sa.Double(), nullable=False),
        sa.Column("received", sa.Text(), nullable=False),
        sa.Column("sent", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "folder_name", name="pk_device_syncs"),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name="fk_device_syncs_device_id_devices", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("device_syncs")
    op.drop_table("access_list")
    op.drop_table("domains")
    op.drop_table("settings")
