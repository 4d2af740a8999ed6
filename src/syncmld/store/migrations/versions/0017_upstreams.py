"""Accounts backed by an external CalDAV/CardDAV server: the upstream (its password sealed), the collections
linked to folders with their sync tokens and what has been sent up, and which resource each item is.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "upstreams",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("password", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("retry_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_upstreams"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_upstreams_account_id_accounts", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "upstream_collections",
        sa.Column("folder_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("href", sa.Text(), nullable=False),
        sa.Column("component", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("sync_token", sa.Text(), nullable=False),
        sa.Column("ctag", sa.Text(), nullable=False),
        sa.Column("pushed_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("folder_id", name="pk_upstream_collections"),
        sa.ForeignKeyConstraint(
            ["folder_id"], ["folders.id"], name="fk_upstream_collections_folder_id_folders", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["upstreams.account_id"],
            name="fk_upstream_collections_account_id_upstreams",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_upstream_collections_account_id", "upstream_collections", ["account_id"])
    op.create_table(
        "upstream_resources",
        sa.Column("folder_id", sa.Integer(), nullable=False),
        sa.Column("href", sa.Text(), nullable=False),
        sa.Column("guid", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=False),
        sa.Column("uid", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("folder_id", "href", name="pk_upstream_resources"),
        sa.ForeignKeyConstraint(
            ["folder_id"],
            ["upstream_collections.folder_id"],
            name="fk_upstream_resources_folder_id_upstream_collections",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("folder_id", "guid", name="uq_upstream_resources_folder_id_guid"),
    )


def downgrade() -> None:
    op.drop_table("upstream_resources")
    op.drop_index("ix_upstream_collections_account_id", "upstream_collections")
    op.drop_table("upstream_collections")
    op.drop_table("upstreams")
