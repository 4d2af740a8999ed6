"""The SQL statements the stores run while a test's block runs, seen through SQLAlchemy's engine events."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

WRITING = ("BEGIN IMMEDIATE", "UPDATE", "INSERT", "DELETE")
"""How the statements that write (or take SQLite's write turn) begin."""


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """Every statement run inside the block, its whitespace made single spaces."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


def writing(statements: list[str]) -> list[str]:
    """The statements of ``statements`` that write."""
    return [statement for statement in statements if statement.startswith(WRITING)]
