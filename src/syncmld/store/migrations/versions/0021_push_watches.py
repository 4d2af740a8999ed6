"""Push e-mail: which server process watches each account's mailbox (IMAP IDLE), leased.

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "push_watches",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("worker", sa.Text(), nullable=False),
        sa.Column("until", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_push_watches"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_push_watches_account_id_accounts", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("push_watches")
