"""Nonces and failed logins expire: nonces know when they were issued; both tables are indexed by time.

Revision ID: 0009
Revises: 0008
"""

import time
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("nonces") as batch:
        batch.add_column(sa.Column("issued_at", sa.Double(), nullable=False, server_default=str(time.time())))
    op.create_index("ix_nonces_issued_at", "nonces", ["issued_at"])
    op.create_index("ix_login_failures_last_at", "login_failures", ["last_at"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_last_at", "login_failures")
    op.drop_index("ix_nonces_issued_at", "nonces")
    with op.batch_alter_table("nonces") as batch:
        batch.drop_column("issued_at")
