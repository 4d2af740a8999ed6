"""Folders say what a CardDAV or CalDAV client made them hold (``dav_collection``), instead of a stored
setting ``dav-collection:FOLDER_ID`` that outlived its folder and its account.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREFIX = "dav-collection:"
_folders = sa.table("folders", sa.column("id", sa.Integer), sa.column("dav_collection", sa.Text))
_settings = sa.table("settings", sa.column("name", sa.Text), sa.column("value", sa.Text))


def upgrade() -> None:
    op.add_column("folders", sa.Column("dav_collection", sa.Text(), nullable=True))
    connection = op.get_bind()
    described = connection.execute(
        sa.select(_settings.c.name, _settings.c.value).where(_settings.c.name.startswith(PREFIX, autoescape=True))
    ).all()
    for name, value in described:
        folder_id = name.removeprefix(PREFIX)
        if folder_id.isdigit():
            connection.execute(sa.update(_folders).where(_folders.c.id == int(folder_id)).values(dav_collection=value))
    connection.execute(sa.delete(_settings).where(_settings.c.name.startswith(PREFIX, autoescape=True)))


def downgrade() -> None:
    connection = op.get_bind()
    described = connection.execute(
        sa.select(_folders.c.id, _folders.c.dav_collection).where(_folders.c.dav_collection.is_not(None))
    ).all()
    if described:
        connection.execute(
            sa.insert(_settings), [{"name": f"{PREFIX}{folder_id}", "value": value} for folder_id, value in described]
        )
    with op.batch_alter_table("folders") as batch:
        batch.drop_column("dav_collection")
