"""Statements with one IN list of bound values, prepared once for each of a few lengths of the list.

An expanding IN list (``bindparam(..., expanding=True)``) is rewritten by SQLAlchemy at every run, and with it the
statement goes through ``Connection.execute`` (tens of microseconds of Python before the driver sees it). A statement
made for each count of values would be compiled for every count callers happen to ask for. Here a list is padded to
the next of a few lengths (powers of two, at most ``CHUNK_SIZE``) by repeating its last value, which changes nothing
an IN list matches: a statement has at most ten forms, each a ``Prepared`` one compiled once per dialect.
"""

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import BindParameter, ClauseElement, bindparam
from sqlalchemy.engine import Connection

from syncmld.store.sql.common import CHUNK_SIZE
from syncmld.store.sql.prepared import Parameters, Prepared

_NAMES = tuple(f"in_{number}" for number in range(CHUNK_SIZE))
"""The names of the IN list's parameters."""
_NO_PARAMETERS: Parameters = {}


def list_length(count: int) -> int:
    """The length of the list that holds ``count`` values: the next power of two, at most ``CHUNK_SIZE``."""
    return min(1 << (count - 1).bit_length(), CHUNK_SIZE)


class WithInList:
    """A statement with one IN list of bound values; ``build`` makes it from the list's parameters."""

    __slots__ = ("_build", "_by_length")

    def __init__(self, build: Callable[[list[BindParameter[Any]]], ClauseElement]) -> None:
        self._build = build
        self._by_length: dict[int, Prepared] = {}

    def _prepared(self, length: int) -> Prepared:
        prepared = self._by_length.get(length)
        if prepared is None:
            listed: list[BindParameter[Any]] = [bindparam(name) for name in _NAMES[:length]]
            prepared = self._by_length[length] = Prepared(self._build(listed))
        return prepared

    def rows(self, connection: Connection, values: Sequence[Any], parameters: Parameters = _NO_PARAMETERS) -> list[Any]:
        """Every row of the statement with the list holding ``values`` (one to ``CHUNK_SIZE`` of them) and the
        statement's other ``parameters``."""
        length = list_length(len(values))
        padded = [*values, *[values[-1]] * (length - len(values))]
        return self._prepared(length).rows(connection, {**parameters, **dict(zip(_NAMES, padded, strict=False))})
