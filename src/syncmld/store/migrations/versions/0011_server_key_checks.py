"""The store remembers which server key its account secrets are sealed with (a value derived from it), so
that opening it with another key file is refused instead of every MD5 login failing silently.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "server_key_checks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("check_value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("server_key_checks")
