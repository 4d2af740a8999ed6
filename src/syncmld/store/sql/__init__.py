"""The SQL store: SQLAlchemy Core queries over the tables of ``schema``, for every dialect we migrate.

A transaction is one connection playing every role of ``syncmld.store.base``, each role's queries in a
module of its own (``accounts``, ``admin``, ``logins``, ``devices``, ``items``, ``sync_maps``,
``sessions``, ``history``).
"""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import SQLAlchemyError

from syncmld.store.base import StoreError
from syncmld.store.pushes import PushBell
from syncmld.store.schema import server_key_checks
from syncmld.store.sealing import SecretBox
from syncmld.store.sql.accounts import SqlAccounts
from syncmld.store.sql.admin import SqlAdmin
from syncmld.store.sql.admin_users import SqlAdminUsers
from syncmld.store.sql.devices import SqlDevices
from syncmld.store.sql.history import SqlHistory
from syncmld.store.sql.items import SqlItems
from syncmld.store.sql.logins import SqlLogins
from syncmld.store.sql.mail import SqlMail
from syncmld.store.sql.pushes import PushTargets, SqlPushes
from syncmld.store.sql.sessions import SqlSessions
from syncmld.store.sql.sync_maps import SqlSyncMaps
from syncmld.store.sql.timelines import SqlTimelines
from syncmld.store.sql.upstreams import SqlUpstreams
from syncmld.store.writers import WriterQueue

MIGRATIONS_DIR = Path(__file__).parent.with_name("migrations")


def upgrade_schema(engine: Engine, box: SecretBox, revision: str = "head") -> None:
    """Bring the database to the migration ``revision``, the newest by default; ``box`` seals the
    secrets that earlier revisions kept in the clear."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        config.attributes["secret_box"] = box
        command.upgrade(config, revision)
        connection.commit()


class SqlTransaction(
    SqlAccounts,
    SqlAdmin,
    SqlLogins,
    SqlDevices,
    SqlItems,
    SqlSyncMaps,
    SqlSessions,
    SqlAdminUsers,
    SqlTimelines,
    SqlPushes,
    SqlHistory,
    SqlUpstreams,
    SqlMail,
):
    """One unit of work on one connection; see ``syncmld.store.base.Transaction``."""

    def __init__(self, connection: Connection, box: SecretBox) -> None:
        super().__init__(connection, box)
        self._push_targets = PushTargets(connection)


READ_ONLY = "syncmld_read_only"
"""The execution option that marks a connection's transaction as one that only reads."""


class SqlStore:
    """A store in a SQL database reached through a SQLAlchemy engine; with ``writers``, the transactions that
    write wait for their turn there, in the order they came (SQLite, which lets one writer in at a time)."""

    def __init__(self, engine: Engine, box: SecretBox, writers: WriterQueue | None = None) -> None:
        self._engine = engine
        self._box = box
        self.writers = writers
        """The queue of this process's writers, if they wait in one."""
        self.push_bell = PushBell()

    def _write_turn(self) -> AbstractContextManager[None]:
        return nullcontext() if self.writers is None else self.writers.turn()

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        with self._write_turn():
            try:
                with self._engine.connect() as connection, connection.begin():
                    transaction = SqlTransaction(connection, self._box)
                    yield transaction
            except SQLAlchemyError as error:
                raise StoreError(f"store operation failed: {error}") from error
        if transaction._push_targets.noted:
            self.push_bell.ring()

    @contextmanager
    def reading(self) -> Iterator[SqlTransaction]:
        try:
            with self._engine.connect() as connection:
                connection.execution_options(**{READ_ONLY: True})
                with connection.begin():
                    yield SqlTransaction(connection, self._box)
        except SQLAlchemyError as error:
            raise StoreError(f"store operation failed: {error}") from error

    @property
    def dialect(self) -> Dialect:
        """The SQL dialect of the store's database."""
        return self._engine.dialect

    def close(self) -> None:
        self._engine.dispose()

    def holds_secrets_of_this_key(self, adopt: bool) -> bool:
        """Whether the account secrets are sealed with this store's server key, as far as the store
        remembers (a store that remembers none takes this one); ``adopt``: take this one in any case."""
        with self._engine.begin() as connection:
            recorded = connection.execute(select(server_key_checks.c.check_value)).scalar()
            if recorded is None or adopt:
                connection.execute(delete(server_key_checks))
                connection.execute(insert(server_key_checks).values(id=1, check_value=self._box.check_value))
        return recorded in (None, self._box.check_value) or adopt
