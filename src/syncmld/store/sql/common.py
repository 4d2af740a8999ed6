"""What every role of the SQL transaction shares: one connection, the dialect's INSERT, the server key.

Bulk work is done with executemany and IN lists of at most ``CHUNK_SIZE`` values; no method reads
item by item.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache, lru_cache
from typing import Any, TypeVar

from sqlalchemy import ClauseElement, ColumnElement, Select, Table, alias, bindparam, exists, false, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.selectable import NamedFromClause

from syncmld.store.base import NotFound
from syncmld.store.schema import accounts
from syncmld.store.sealing import SecretBox
from syncmld.store.sql.prepared import Prepared, run_sql

CHUNK_SIZE = 500
"""Most values bound in one IN list."""

DialectInsert = Callable[[Table], sqlite.Insert | postgresql.Insert]
"""The INSERT (with ON CONFLICT) of one dialect."""

_DIALECT_INSERTS: dict[str, DialectInsert] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}

_T = TypeVar("_T")


def chunks(values: Sequence[_T]) -> Iterator[Sequence[_T]]:
    """``values`` in slices of at most ``CHUNK_SIZE``."""
    for start in range(0, len(values), CHUNK_SIZE):
        yield values[start : start + CHUNK_SIZE]


def dialect_insert(connection: Connection) -> DialectInsert:
    """The INSERT (with ON CONFLICT) of the connection's dialect."""
    return _DIALECT_INSERTS[connection.dialect.name]


def insert_many(
    connection: Connection,
    table: Table,
    columns: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
    key: tuple[str, ...] = (),
) -> None:
    """Insert ``rows`` (values in the order of ``columns``) in one executemany of the driver, without
    SQLAlchemy's processing of each row's parameters (the cost of a large write); with ``key`` (the
    columns of a unique key), a row whose key exists replaces that row's other columns."""
    if rows:
        sql = _insert_sql(connection.dialect.paramstyle, table.name, columns, key)
        run_sql(connection, sql, list(rows), many=True).close()


@lru_cache(maxsize=64)
def _insert_sql(paramstyle: str, table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    placeholder = "?" if paramstyle == "qmark" else "%s"
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([placeholder] * len(columns))})"
    if not key:
        return statement
    replaced = ", ".join(f"{column} = excluded.{column}" for column in columns if column not in key)
    return f"{statement} ON CONFLICT ({', '.join(key)}) DO UPDATE SET {replaced}"


@cache
def excluded(table: Table) -> NamedFromClause:
    """The row an upsert proposed, as ``ON CONFLICT ... DO UPDATE`` names it (what the dialect's ``Insert.excluded``
    builds anew, columns and all, for every statement)."""
    return alias(table, "excluded")


def with_dialect_insert(build: Callable[[DialectInsert], ClauseElement]) -> Prepared:
    """A prepared statement that ``build`` makes with the INSERT (with ON CONFLICT) of the dialect it runs on."""
    return Prepared.per_dialect(lambda dialect: build(_DIALECT_INSERTS[dialect]))


@cache
def _upsert_statement(table: Table, key: tuple[str, ...]) -> Prepared:
    """The INSERT of a row into ``table`` (every column bound by its name) that replaces the non-key columns of the
    row with the same ``key``: made once, as making it costs more than running it."""
    proposed = excluded(table).c
    replaced = {c.name: proposed[c.name] for c in table.columns if c.name not in key}
    return with_dialect_insert(
        lambda insert: insert(table).on_conflict_do_update(index_elements=list(key), set_=replaced)
    )


def any_of(query: Select[Any], column: ColumnElement[Any], values: Iterable[Any]) -> tuple[Prepared, dict[str, Any]]:
    """``query`` for the rows whose ``column`` is one of a few ``values`` (a login's settings or keys), with its
    parameters: one statement made once for each count of values (an expanding IN list is rewritten at every
    call, which costs more than the look-up)."""
    bound = {f"v{number}": value for number, value in enumerate(values)}
    return _any_of(query, column, len(bound)), bound


@lru_cache(maxsize=64)
def _any_of(query: Select[Any], column: ColumnElement[Any], count: int) -> Prepared:
    if not count:
        return Prepared(query.where(false()))  # an empty IN list is one SQLAlchemy rewrites at each run
    return Prepared(query.where(column.in_([bindparam(f"v{number}") for number in range(count)])))


@cache
def _owned_insert(table: Table, columns: tuple[str, ...], key: tuple[str, ...]) -> Prepared:
    """The INSERT of a row of ``table`` belonging to an account (``account_id`` among ``columns``, each bound by its
    name), made only when the account exists and no row has the same ``key``, returning the row it made: made once."""
    values = [bindparam(name, type_=table.c[name].type) for name in columns]
    owner = exists().where(accounts.c.id == bindparam("account_id", type_=accounts.c.id.type))
    return with_dialect_insert(
        lambda insert: (
            insert(table)
            .from_select(list(columns), select(*values).where(owner))
            .on_conflict_do_nothing(index_elements=list(key))
            .returning(*table.c)
        )
    )


_ACCOUNT_EXISTS = Prepared(select(accounts.c.id).where(accounts.c.id == bindparam("id")))


class SqlRole:
    """The base of each role's queries; ``SqlTransaction`` composes the roles over one connection."""

    def __init__(self, connection: Connection, box: SecretBox) -> None:
        self._connection = connection
        self._insert = dialect_insert(connection)
        self._box = box

    def _upsert(self, table: Table, rows: dict[str, Any] | list[dict[str, Any]], key: list[str]) -> None:
        """Insert ``rows`` (each with every column of ``table``), replacing the non-key columns of rows that exist
        already."""
        statement = _upsert_statement(table, tuple(key))
        if isinstance(rows, dict):
            statement.run(self._connection, rows)
        else:
            statement.run_many(self._connection, rows)

    def _add_owned(self, table: Table, row: dict[str, Any], key: tuple[str, ...]) -> Any | None:
        """Insert ``row`` of an account's in one statement and return it; None when the account does not exist or
        a row with the same ``key`` does."""
        return _owned_insert(table, tuple(row), key).first(self._connection, row)

    def _require_account(self, account_id: int) -> None:
        """Raises NotFound unless the account exists (devices and folders belong to one)."""
        if _ACCOUNT_EXISTS.first(self._connection, {"id": account_id}) is None:
            raise NotFound(f"no account with id {account_id}")
