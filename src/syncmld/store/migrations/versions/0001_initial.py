"""Initial schema: accounts, devices, nonces, folders, items with their change sequence, sync states,
LUID <-> GUID maps and sessions.

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("md5_credential", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("email", name="uq_accounts_email"),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("device_ref", sa.Text(), nullable=False),
        sa.Column("devinf", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_devices"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_devices_account_id_accounts", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("account_id", "device_ref", name="uq_devices_account_id_device_ref"),
    )
    op.create_table(
        "nonces",
        sa.Column("device_ref", sa.Text(), nullable=False),
        sa.Column("nonce", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("device_ref", name="pk_nonces"),
    )
    op.create_table(
        "folders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_folders"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_folders_account_id_accounts", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("account_id", "name_key", name="uq_folders_account_id_name_key"),
    )
    op.create_table(
        "items",
        sa.Column("folder_id", sa.Integer(), nullable=False),
        sa.Column("guid", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("origin_device_id", sa.Integer(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("folder_id", "guid", name="pk_items"),
        sa.ForeignKeyConstraint(["folder_id"], ["folders.id"], name="fk_items_folder_id_folders", ondelete="CASCADE"),
    )
    op.create_index("ix_items_folder_id_seq", "items", ["folder_id", "seq"])
    sequence_counter = op.create_table(
        "sequence_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sequence_counter"),
    )
    op.bulk_insert(sequence_counter, [{"id": 1, "value": 0}])
    op.create_table(
        "sync_states",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("folder_id", sa.Integer(), nullable=False),
        sa.Column("client_anchor", sa.Text(), nullable=False),
        sa.Column("server_anchor", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "folder_id", name="pk_sync_states"),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name="fk_sync_states_device_id_devices", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["folder_id"], ["folders.id"], name="fk_sync_states_folder_id_folders", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "maps",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("folder_id", sa.Integer(), nullable=False),
        sa.Column("guid", sa.Text(), nullable=False),
        sa.Column("luid", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "folder_id", "guid", name="pk_maps"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], name="fk_maps_device_id_devices", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["folder_id"], ["folders.id"], name="fk_maps_folder_id_folders", ondelete="CASCADE"),
        sa.UniqueConstraint("device_id", "folder_id", "luid", name="uq_maps_device_id_folder_id_luid"),
    )
    op.create_table(
        "sessions",
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("last_reply", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("token", name="pk_sessions"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_sessions_account_id_accounts", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_sessions_updated_at", "sessions", ["updated_at"])


def downgrade() -> None:
    op.drop_table("sessions")
    op.drop_table("maps")
    op.drop_table("sync_states")
    op.drop_table("sequence_counter")
    op.drop_table("items")
    op.drop_table("folders")
    op.drop_table("nonces")
    op.drop_table("devices")
    op.drop_table("accounts")
