"""Statements with one IN list of bound values, prepared once for each of a few lengths of the list.

An expanding IN list (``bindparam(..., expanding=True)``) is rewritten by SQLAlchemy at every run, and with it the
statement goes through ``Connection.execute`` (tens of microseconds of Python before the driver sees it). A statement
made for each count of values would be compiled for every count callers happen to ask for. Here a list is padded to
the next of a few lengths (powers of two, at most ``CHUNK_SIZE``) by repeating its last value, which changes nothing
an IN list matches: a statement has ten forms, each a ``Prepared`` one compiled once per dialect.
"""

from collections.abc import Callable, Sequence
from functools import partial
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


def _built(build: Callable[[list[BindParameter[Any]]], ClauseElement], length: int, _dialect: str) -> ClauseElement:
    """The statement ``build`` makes with a list of ``length`` parameters (the same in every dialect)."""
    return build([bindparam(name) for name in _NAMES[:length]])


_LENGTHS = sorted({list_length(count) for count in range(1, CHUNK_SIZE + 1)})


class WithInList:
    """A statement with one IN list of bound values; ``build`` makes it from the list's parameters. Its forms are
    known at once, so that the warm-up of a serving process compiles them all (``Prepared.prepare_all``) and no
    session pays for the first run of a length; each is built only to be compiled, and not kept."""

    __slots__ = ("_by_length",)

    def __init__(self, build: Callable[[list[BindParameter[Any]]], ClauseElement]) -> None:
        self._by_length = {length: Prepared.per_dialect(partial(_built, build, length)) for length in _LENGTHS}

    def rows(self, connection: Connection, values: Sequence[Any], parameters: Parameters = _NO_PARAMETERS) -> list[Any]:
        """Every row of the statement with the list holding ``values`` (one to ``CHUNK_SIZE`` of them) and the
        statement's other ``parameters``."""
        length = list_length(len(values))
        padded = [*values, *[values[-1]] * (length - len(values))]
        return self._by_length[length].rows(connection, {**parameters, **dict(zip(_NAMES, padded, strict=False))})
