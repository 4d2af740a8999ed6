"""Statements compiled once per dialect and run on the driver's cursor.

Running a Core statement through ``Connection.execute`` costs tens of microseconds of Python before the driver
sees it (its cache key, an execution context, a result object), and a fresh process compiles each statement on
its first run per engine. A ``Prepared`` statement is compiled on its first run in the process for each dialect
(SQLite and PostgreSQL differ in their parameter style) and each run after that is a tuple of parameters, the
driver's cursor and a row class: the listeners of SQLAlchemy's ``before_cursor_execute`` and
``after_cursor_execute`` events hear of it, and a driver's error is raised as SQLAlchemy's, as for any statement.
"""

import contextlib
import weakref
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from sqlalchemy import ClauseElement
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import ReturnsRows

from syncmld.store.base import StoreError

Parameters = Mapping[str, Any]
"""A statement's bound values by the names of its parameters."""

_NO_PARAMETERS: Parameters = {}

Processor = tuple[int, Callable[[Any], Any]]
"""The position of a column whose values SQLAlchemy's type reads, and how it reads them."""


def run_sql(connection: Connection, sql: str, values: Any = (), many: bool = False) -> DBAPICursor:
    """Run ``sql`` (the dialect's own text) with ``values`` (a sequence of them when ``many``) on a new cursor of the
    connection's driver, in whatever transaction the connection has; the caller closes the cursor."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    heard = connection._has_events or connection.engine._has_events  # as SQLAlchemy asks before each statement
    if heard:
        for listener in connection.dispatch.before_cursor_execute:
            sql, values = listener(connection, cursor, sql, values, None, many)
    try:
        if many:
            cursor.executemany(sql, values)
        else:
            cursor.execute(sql, values)
    except Exception as error:
        cursor.close()
        driver_error = connection.dialect.loaded_dbapi.Error
        raise DBAPIError.instance(sql, values, error, driver_error, dialect=connection.dialect) from error
    if heard:
        connection.dispatch.after_cursor_execute(connection, cursor, sql, values, None, many)
    return cursor


class _Form:
    """A statement as one dialect runs it: its text, the layout of its parameters and the class of its rows."""

    __slots__ = (
        "_bind_processors",
        "_dialect",
        "_fixed",
        "_names",
        "_positional",
        "_processors",
        "_row",
        "_sql_names",
        "_types",
        "sql",
    )

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if not isinstance(compiled, SQLCompiler) or compiled.post_compile_params:
            raise StoreError(f"a statement rewritten at each run cannot be prepared: {compiled}")
        self.sql = compiled.string
        self._positional = compiled.positional
        self._names = tuple(compiled.positiontup or compiled.binds)
        escaped = compiled.escaped_bind_names
        self._sql_names = tuple(escaped.get(name, name) for name in self._names)
        binds = compiled.binds
        self._fixed = {name: bind.effective_value for name, bind in binds.items() if not bind.required}
        self._bind_processors = tuple(
            (name, processor)
            for name in dict.fromkeys(self._names)
            if (processor := binds[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
        )
        columns = list(statement.exported_columns) if isinstance(statement, ReturnsRows) else []
        self._row: Any = namedtuple("Row", [str(column.key) for column in columns], rename=True)  # type: ignore[misc]
        self._types = tuple(column.type.dialect_impl(dialect) for column in columns)
        self._processors: tuple[Processor, ...] | None = None
        self._dialect = dialect

    def values(self, parameters: Parameters) -> Any:
        """The driver's parameters of a run with ``parameters``."""
        given = {**self._fixed, **parameters} if self._fixed else parameters
        if self._bind_processors:
            given = dict(given)
            for name, processor in self._bind_processors:
                given[name] = processor(given[name])
        if self._positional:
            return tuple([given[name] for name in self._names])
        return {sql_name: given[name] for name, sql_name in zip(self._names, self._sql_names, strict=True)}

    def rows(self, cursor: DBAPICursor, fetched: Sequence[Sequence[Any]]) -> list[Any]:
        """The rows the driver returned, their values as SQLAlchemy's types read them, by position and by name."""
        if self._processors is None:
            # What a type reads may depend on the driver's type of the column, known once a cursor has run.
            described = cursor.description or ()
            found = [
                kind.result_processor(self._dialect, column[1])
                for kind, column in zip(self._types, described, strict=True)
            ]
            self._processors = tuple((index, read) for index, read in enumerate(found) if read is not None)
        make = self._row._make
        if not self._processors:
            return [make(values) for values in fetched]
        rows = []
        for values in fetched:
            read_values = list(values)
            for index, read in self._processors:
                read_values[index] = read(read_values[index])
            rows.append(make(read_values))
        return rows


class Prepared:
    """One statement (bound parameters only, no expanding IN list), compiled once per dialect in the process and
    run on the driver's cursor. Its rows read as SQLAlchemy's do: by position, unpacked, or by column name."""

    __slots__ = ("__weakref__", "_build", "_forms")

    _made: ClassVar["weakref.WeakSet[Prepared]"] = weakref.WeakSet()
    """Every statement of the process that is still in use, for ``prepare_all``."""

    def __init__(self, statement: ClauseElement) -> None:
        self._build: Callable[[str], ClauseElement] = lambda _: statement
        self._forms: dict[str, _Form] = {}
        Prepared._made.add(self)

    @classmethod
    def per_dialect(cls, build: Callable[[str], ClauseElement]) -> "Prepared":
        """A statement written in each dialect's own terms (an INSERT with ON CONFLICT): ``build`` makes it for a
        dialect's name, once per dialect."""
        prepared = cls.__new__(cls)
        prepared._build = build
        prepared._forms = {}
        cls._made.add(prepared)
        return prepared

    @classmethod
    def prepare_all(cls, dialect: Dialect) -> int:
        """Compile every statement made so far for ``dialect`` (those not compiled for it yet); how many were. One
        that cannot be prepared is left to refuse its own run."""
        compiled = 0
        for statement in list(cls._made):
            if dialect.name not in statement._forms:
                with contextlib.suppress(StoreError):
                    statement._form(dialect)
                    compiled += 1
        return compiled

    def prepared_for(self, dialect: Dialect) -> bool:
        """Whether the statement is compiled for ``dialect`` (its next run there compiles nothing)."""
        return dialect.name in self._forms

    def _form(self, dialect: Dialect) -> _Form:
        form = self._forms.get(dialect.name)
        if form is None:
            form = self._forms[dialect.name] = _Form(self._build(dialect.name), dialect)
        return form

    def _cursor(self, connection: Connection, parameters: Parameters) -> tuple[_Form, DBAPICursor]:
        if not connection.in_transaction():
            connection.begin()
        form = self._form(connection.dialect)
        return form, run_sql(connection, form.sql, form.values(parameters))

    def rows(self, connection: Connection, parameters: Parameters = _NO_PARAMETERS) -> list[Any]:
        """Every row the statement returns."""
        form, cursor = self._cursor(connection, parameters)
        try:
            return form.rows(cursor, cursor.fetchall())
        finally:
            cursor.close()

    def first(self, connection: Connection, parameters: Parameters = _NO_PARAMETERS) -> Any | None:
        """The statement's first row, None when it returns none."""
        form, cursor = self._cursor(connection, parameters)
        try:
            values = cursor.fetchone()
            return None if values is None else form.rows(cursor, (values,))[0]
        finally:
            cursor.close()

    def scalar(self, connection: Connection, parameters: Parameters = _NO_PARAMETERS) -> Any:
        """The first column of the statement's first row, None when it returns none."""
        row = self.first(connection, parameters)
        return None if row is None else row[0]

    def run(self, connection: Connection, parameters: Parameters = _NO_PARAMETERS) -> int:
        """Run a statement that returns no rows; the count of rows it changed."""
        _, cursor = self._cursor(connection, parameters)
        count: int = cursor.rowcount
        cursor.close()
        return count

    def run_many(self, connection: Connection, rows: Sequence[Parameters]) -> None:
        """Run a statement that returns no rows once for each of ``rows``, in one executemany of the driver."""
        if not rows:
            return
        if not connection.in_transaction():
            connection.begin()
        form = self._form(connection.dialect)
        run_sql(connection, form.sql, [form.values(row) for row in rows], many=True).close()
