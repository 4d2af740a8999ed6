"""iCalendar TEXT values written exactly as RFC 5545 §3.3.11 says.

icalendar's ``vText.to_ical`` first turns the two characters ``\\N`` of a value into a line break
(it takes them for a newline its caller forgot to unescape), so a note holding ``C:\\New folder``
would come back broken. Every text syncmld stores must come back as it was: importing this module
makes ``vText`` escape backslashes, semicolons, commas and line breaks, and nothing else.
"""

from icalendar.prop import vText


def escape_text(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _to_ical(self: vText) -> bytes:
    encoding: str = getattr(self, "encoding", "utf-8")
    return escape_text(str(self)).encode(encoding)


vText.to_ical = _to_ical  # type: ignore[method-assign]
