"""Control characters made visible, for text that came from outside (clients, archives) and is shown in
the log or on an administrator's terminal: a line break cannot start a forged log line, an escape
sequence cannot drive the terminal.

Escaped: every control character (C0, DEL, C1: line feeds, carriage returns, tabs, ESC, NEL, ...) and
the Unicode line and paragraph separators, written ``\\n``, ``\\r``, ``\\t``, ``\\xNN`` or ``\\uNNNN``.
"""

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(code: int) -> str:
    char = chr(code)
    return _SHORT.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


_CONTROLS = [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]
_TABLE = {code: _escaped(code) for code in _CONTROLS}


def escape_control(text: str) -> str:
    """``text`` with its control characters and line separators escaped; anything else unchanged (text that is
    printable has none of them, and is told so at C speed)."""
    return text if text.isprintable() else text.translate(_TABLE)


class Escaped(str):
    """Text whose control characters are escaped; its repr quotes it without escaping it again."""

    __slots__ = ()

    def __new__(cls, text: str) -> "Escaped":
        return super().__new__(cls, escape_control(text))

    def __repr__(self) -> str:
        return f"'{self}'"


def quoted(text: str, limit: int) -> str:
    """A short printable-ASCII form of ``text`` for a reason or a log line: at most ``limit``
    characters of it, control and non-ASCII characters escaped, a cut marked with ``...``."""
    cut = text[:limit]
    shown = escape_control(cut).encode("ascii", "backslashreplace").decode("ascii")
    return shown + ("..." if len(text) > limit else "")
