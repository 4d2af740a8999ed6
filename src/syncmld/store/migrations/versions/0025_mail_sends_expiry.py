"""The records of mails sent say whose they are and when they were given to send, so that the sweep can forget
them after a keep time and each account keeps a bounded number.

Revision ID: 0025
Revises: 0024
"""

import time
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mail_sends") as batch:
        batch.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("at", sa.Double(), nullable=False, server_default="0"))
        batch.create_foreign_key(
            "fk_mail_sends_account_id_accounts", "accounts", ["account_id"], ["id"], ondelete="CASCADE"
        )
    # Records made before the upgrade (of no known account) are kept for the keep time from now.
    op.execute(sa.text("UPDATE mail_sends SET at = :now").bindparams(now=time.time()))
    with op.batch_alter_table("mail_sends") as batch:
        batch.alter_column("at", server_default=None)
        batch.create_index("ix_mail_sends_account_id_at", ["account_id", "at"])
        batch.create_index("ix_mail_sends_at", ["at"])


def downgrade() -> None:
    with op.batch_alter_table("mail_sends") as batch:
        batch.drop_index("ix_mail_sends_at")
        batch.drop_index("ix_mail_sends_account_id_at")
        batch.drop_constraint("fk_mail_sends_account_id_accounts", type_="foreignkey")
        batch.drop_column("at")
        batch.drop_column("account_id")
