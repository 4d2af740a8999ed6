"""Push e-mail: what syncmld wrote to IMAP for each device's changes (the folder's HIGHESTMODSEQ before and
after), so that a mailbox watcher does not tell a device of its own changes.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_writes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("mailbox", sa.Text(), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("since", sa.BigInteger(), nullable=False),
        sa.Column("until", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mail_writes"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_mail_writes_account_id_accounts", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name="fk_mail_writes_device_id_devices", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_mail_writes_account_id_at", "mail_writes", ["account_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_mail_writes_account_id_at", table_name="mail_writes")
    op.drop_table("mail_writes")
