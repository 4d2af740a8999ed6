"""Mail: the mail servers of domains and accounts, the passwords accounts log in to them with (sealed), and
the mails devices gave to send (each sent once).

Revision ID: 0014
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_servers",
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("imap", sa.Text(), nullable=False),
        sa.Column("smtp", sa.Text(), nullable=False),
        sa.Column("starttls", sa.Boolean(), nullable=False),
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name="pk_mail_servers"),
    )
    op.create_table(
        "mail_passwords",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_mail_passwords"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_mail_passwords_account_id_accounts", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "mail_sends",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_mail_sends"),
    )


def downgrade() -> None:
    op.drop_table("mail_sends")
    op.drop_table("mail_passwords")
    op.drop_table("mail_servers")
