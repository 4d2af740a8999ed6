"""vCalendar 1.0 text taken apart for reading: unfolded lines, components, backslash-escaped values."""

import re

from syncmld.content.vcalendar import OBJECT_KINDS
from syncmld.content.versit import Property, bad_request

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def unfold(text: str) -> str:
    """Join folded lines keeping the folding whitespace (RFC 822 folding, as 1.0 prescribes)."""
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if lines and line[:1] in (" ", "\t") and lines[-1] and not lines[-1].endswith("="):
            lines[-1] += line
        else:
            lines.append(line)
    return "\n".join(lines)


def split_components(props: list[Property]) -> tuple[list[Property], list[tuple[str, list[Property]]]]:
    calendar_props: list[Property] = []
    components: list[tuple[str, list[Property]]] = []
    current: tuple[str, list[Property]] | None = None
    seen_calendar = False
    for prop in props:
        value = prop.value.strip().upper()
        if prop.name == "BEGIN" and value == "VCALENDAR" and current is None:
            seen_calendar = True
        elif prop.name == "BEGIN":
            if current is not None or not seen_calendar:
                raise bad_request(f"unexpected BEGIN:{value[:20]} in vCalendar 1.0")
            current = (value, [])
        elif prop.name == "END" and current is not None:
            if value != current[0]:
                raise bad_request(f"END:{value[:20]} closes BEGIN:{current[0]}")
            components.append(current)
            current = None
        elif prop.name == "END":
            continue
        elif current is not None:
            current[1].append(prop)
        elif seen_calendar:
            calendar_props.append(prop)
    if current is not None:
        raise bad_request(f"BEGIN:{current[0]} without END")
    if not any(kind in OBJECT_KINDS for kind, _ in components):
        raise bad_request("no VEVENT, VTODO or VJOURNAL in the vCalendar object")
    return calendar_props, components


def unescape(value: str) -> str:
    """Backslash escapes of 1.0 text: ``\\\\``, ``\\;``, ``\\,`` and ``\\n``; others stay as written."""
    return _ESCAPE.sub(_unescaped, value)


def _unescaped(match: re.Match[str]) -> str:
    char = match.group(1)
    if char in "nN":
        return "\n"
    return char if char in "\\;," else match.group(0)
