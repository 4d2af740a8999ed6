"""The journal of mail changes says how many changes each entry holds and the bytes of their messages, so that
an account's pending changes can be bounded without reading them.

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mail_journal") as batch:
        batch.add_column(sa.Column("change_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("message_bytes", sa.BigInteger(), nullable=False, server_default="0"))
    # Entries waiting during the upgrade count as one change each, their JSON as their messages' bytes (more).
    op.execute("UPDATE mail_journal SET change_count = 1, message_bytes = length(changes)")


def downgrade() -> None:
    with op.batch_alter_table("mail_journal") as batch:
        batch.drop_column("message_bytes")
        batch.drop_column("change_count")
