"""The accounts' MD5 secrets are sealed under the server key instead of kept in the clear.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import context, op

from syncmld.store.sealing import SEALED_PREFIX, SecretBox

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_accounts = sa.table(
    "accounts", sa.column("id", sa.Integer), sa.column("email", sa.Text), sa.column("md5_credential", sa.Text)
)


def _rewrite(change: Callable[[SecretBox, str, str], str | None]) -> None:
    """Replace each account's secret by ``change(box, secret, email)`` where that is not None."""
    box: SecretBox = context.config.attributes["secret_box"]
    connection = op.get_bind()
    rows = connection.execute(sa.select(_accounts.c.id, _accounts.c.email, _accounts.c.md5_credential)).all()
    changed = [
        {"account_id": row.id, "secret": new}
        for row in rows
        if (new := change(box, row.md5_credential, row.email)) is not None
    ]
    if changed:
        connection.execute(
            _accounts.update()
            .where(_accounts.c.id == sa.bindparam("account_id"))
            .values(md5_credential=sa.bindparam("secret")),
            changed,
        )


def upgrade() -> None:
    _rewrite(lambda box, secret, email: None if secret.startswith(SEALED_PREFIX) else box.seal(secret, email))


def downgrade() -> None:
    _rewrite(lambda box, secret, email: box.open(secret, email) if secret.startswith(SEALED_PREFIX) else None)
