"""Mail: the mail servers of domains and accounts, the passwords accounts log in to them with (sealed), and
the mails devices gave to send (each sent once), devices' changes not yet applied to IMAP, and how far each
mail folder's snapshot has followed its IMAP folder (UIDVALIDITY, HIGHESTMODSEQ).

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
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
    op.create_table(
        "mail_journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mail_journal"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_mail_journal_account_id_accounts", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_mail_journal_account_id", "mail_journal", ["account_id"])
    op.create_table(
        "mail_marks",
        sa.Column("folder_id", sa.Integer(), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("modseq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("folder_id", name="pk_mail_marks"),
        sa.ForeignKeyConstraint(
            ["folder_id"], ["folders.id"], name="fk_mail_marks_folder_id_folders", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("mail_marks")
    op.drop_index("ix_mail_journal_account_id", table_name="mail_journal")
    op.drop_table("mail_journal")
    op.drop_table("mail_sends")
    op.drop_table("mail_passwords")
    op.drop_table("mail_servers")
