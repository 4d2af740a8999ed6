"""The bytes of a template: a written sample cut around its placeholders, and filled again with values (what the
Status and the item command templates share)."""

from collections.abc import Iterable


def cut_around(written: bytes, markers: Iterable[bytes | None]) -> tuple[bytes, ...] | None:
    """The bytes of ``written`` before, between and after its ``markers``; None when a marker is None or is not
    found exactly once, in order."""
    parts: list[bytes] = []
    start = 0
    for marker in markers:
        if marker is None or written.count(marker) != 1:
            return None
        at = written.find(marker, start)
        if at < 0:
            return None
        parts.append(written[start:at])
        start = at + len(marker)
    parts.append(written[start:])
    return tuple(parts)


def joined_between(parts: tuple[bytes, ...], pieces: Iterable[bytes | None]) -> bytes | None:
    """``parts`` with one of ``pieces`` between each two, in order; None when a piece is None."""
    joined = [parts[0]]
    for index, piece in enumerate(pieces, 1):
        if piece is None:
            return None
        joined += (piece, parts[index])
    return b"".join(joined)
