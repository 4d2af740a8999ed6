"""The PostgreSQL store, through the psycopg 3 driver: writers of sequence numbers are ordered by the counter row."""

from alembic.util import CommandError
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from syncmld.store.base import StoreError
from syncmld.store.sealing import SecretBox
from syncmld.store.sql import SqlStore, upgrade_schema

DRIVER_NAME = "postgresql+psycopg"
MIGRATIONS_TABLE = "alembic_version"
"""The table every migrated store has."""


def open_postgres_store(url: str, server_key: bytes, create: bool = True) -> SqlStore:
    """Open the PostgreSQL store at ``url`` (``postgresql://`` or ``postgresql+psycopg://``), schema up to date;
    without ``create``, a database without syncmld's tables is a StoreError."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise StoreError(f"not a PostgreSQL URL: {url!r}") from error
    if parsed.drivername not in ("postgresql", DRIVER_NAME):
        raise StoreError(f"unsupported PostgreSQL driver {parsed.drivername!r}: expected 'postgresql://'")
    shown = parsed.render_as_string(hide_password=True)
    engine = create_engine(parsed.set(drivername=DRIVER_NAME), pool_pre_ping=True)
    box = SecretBox(server_key)
    try:
        if not create:
            with engine.connect() as connection:
                if not inspect(connection).has_table(MIGRATIONS_TABLE):
                    engine.dispose()
                    raise StoreError(f"no store at {shown}: the database has no syncmld tables")
        upgrade_schema(engine, box)
    except (SQLAlchemyError, CommandError) as error:
        engine.dispose()
        reason = error.orig if isinstance(error, DBAPIError) else error
        raise StoreError(f"cannot open the PostgreSQL store {shown}: {reason}") from error
    return SqlStore(engine, box)
