"""iCalendar TEXT values written exactly as RFC 5545 §3.3.11 says, icalendar itself left as it is.

icalendar's ``vText.to_ical`` first turns the two characters ``\\N`` of a value into a line break
(it takes them for a newline its caller forgot to unescape), so a note holding ``C:\\New folder``
would come back broken. Every text syncmld stores must come back as it was, so syncmld writes TEXT
values itself: ``write_ical`` writes a component as icalendar does, but with TEXT values escaped by
``escape_text`` (backslashes, semicolons, commas and line breaks, nothing else), and ``value_text``
gives one value as it is written. Reading needs no fix: icalendar unescapes ``\\\\N`` correctly.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from icalendar import Component
from icalendar.parser import Contentline, Parameters
from icalendar.prop import vDDDTypes, vText
from icalendar.timezone.tzid import is_utc


def escape_text(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def value_text(value: Any) -> str:
    """A property value as it is written in a content line (TEXT values escaped by ``escape_text``)."""
    if isinstance(value, vText) and type(value).to_ical is vText.to_ical:
        return escape_text(value)
    if type(value) is vDDDTypes and type(value.dt) is datetime:
        return _date_time(value.dt, value.params)
    if hasattr(value, "to_ical"):
        written = value.to_ical()
        return written.decode("utf-8") if isinstance(written, bytes) else str(written)
    return escape_text(value.decode("utf-8") if isinstance(value, bytes) else str(value))


def _date_time(moment: datetime, params: Parameters) -> str:
    """``vDDDTypes(moment).to_ical()`` with ``params``, without the TZID parameter it works out and then drops."""
    written = f"{moment.year:04}{moment.month:02}{moment.day:02}T{moment.hour:02}{moment.minute:02}{moment.second:02}"
    return written + "Z" if params.is_utc() or is_utc(moment) else written


class _Written:
    """A value already written: what ``Contentline.from_parts`` takes for one. It stays ``str``: icalendar
    decodes bytes as UTF-8 with a signature, which would drop a value's leading U+FEFF."""

    def __init__(self, text: str) -> None:
        self._text = text

    def to_ical(self) -> str:
        return self._text


def write_ical(component: Component, written: Callable[[Component], bytes | None] | None = None) -> bytes:
    """``component.to_ical()``, with TEXT values escaped by ``escape_text``; a subcomponent of which ``written``
    gives bytes (a VTIMEZONE shared by many objects, written once) goes as those bytes."""
    if written is None:
        lines = [_content_line(name, value) for name, value in component.property_items(sorted=True)]
        return b"".join(line + b"\r\n" for line in lines)
    *own, end = component.property_items(recursive=False, sorted=True)
    parts = [_content_line(name, value) + b"\r\n" for name, value in own]
    for subcomponent in component.subcomponents:
        kept = written(subcomponent)
        parts.append(kept if kept is not None else write_ical(subcomponent))
    parts.append(_content_line(*end) + b"\r\n")
    return b"".join(parts)


def _content_line(name: str, value: Any) -> bytes:
    params = getattr(value, "params", None)
    text = value_text(value)
    if params or type(name) is not str:
        return _folded(
            Contentline.from_parts(name, params if isinstance(params, Parameters) else Parameters(), _Written(text))
        )
    written = f"{name}:{text}".encode()  # what ``Contentline.from_parts`` makes of a line without parameters
    if len(written) < UNFOLDED_OCTETS and b"\n" not in written:
        return written
    return _folded(Contentline.from_parts(name, Parameters(), _Written(text)))


def _folded(line: Any) -> bytes:
    """A ``Contentline`` as icalendar writes it (folded), a short one as it is."""
    written = str(line).encode("utf-8")
    if len(written) < UNFOLDED_OCTETS and b"\n" not in written:
        return written
    return bytes(line.to_ical())


UNFOLDED_OCTETS = 75
"""icalendar folds a line before the character that would make it 75 octets long: a shorter one stays as it is,
and is taken as it is (its folding looks at each character of the line, 14 % of converting an event)."""
