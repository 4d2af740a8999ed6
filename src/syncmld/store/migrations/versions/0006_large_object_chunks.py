"""Large objects travel through the store piece by piece, not in the session state; each device's
latest session is known, so that a suspended sync can be resumed.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "large_object_chunks",
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("token", "key", "start", name="pk_large_object_chunks"),
    )
    op.create_table(
        "device_sessions",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name="pk_device_sessions"),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name="fk_device_sessions_device_id_devices", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("device_sessions")
    op.drop_table("large_object_chunks")
