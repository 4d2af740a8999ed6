"""A device's SyncML 1.2 ``Filter`` on a mail folder (its Alert's Target), as Funambol's clients write it.

- Record, ``syncml:filtertype-cgi``: ``modified&GT;20240101T000000Z`` (or ``&GE;``, ``received``) keeps the
  mail since then (``ALL``: all of it); ``&LUID&EQ;ID`` asks for that one mail whole (the rest of a
  truncated one); terms joined with ``&AND;``.
- Field: ``Property`` ``emailitem`` with no ``PropParam``: headers only; ``texttype`` with ``MaxSize``:
  at most that many bytes of each mail; ``attachtype``: whole mails.
- ``FilterType`` ``INCLUSIVE`` or ``EXCLUSIVE`` (the default) mean the same here.

What cannot be read is a RemoteError with the status the device gets for its Alert (406).
"""

import calendar
import re
import time
from dataclasses import dataclass

from lxml import etree

from syncmld.errors import RemoteError
from syncmld.protocol.tree import Element, child, child_text, children, safe_parser
from syncmld.status import StatusCode

CGI_TYPE = "syncml:filtertype-cgi"
FILTER_TYPES = ("INCLUSIVE", "EXCLUSIVE")
_TERM = re.compile(r"^\s*(&?LUID;?|[A-Za-z-]+)\s*&(i?)(EQ|NE|GT|GE|LT|LE|CON|NCON);\s*(.*?)\s*$", re.IGNORECASE)
_DATE = "%Y%m%dT%H%M%SZ"


@dataclass
class DeviceFilter:
    """What a device's Filter asks of a mail folder (kept in the session; None fields: not asked)."""

    since: float | None = None
    """Mail received at or after this time (epoch seconds)."""
    headers_only: bool | None = None
    max_bytes: int | None = None
    only: str | None = None
    """The device's ID of the one mail it asks for, whole."""


def _refused(reason: str) -> RemoteError:
    return RemoteError(f"mail filter not understood: {reason}", StatusCode.OPTIONAL_FEATURE_NOT_SUPPORTED)


def read_filter(text: str, longest: int) -> DeviceFilter:
    """The filter the inner XML of a ``Filter`` element says; RemoteError (406) when it cannot be read or is
    longer than ``longest`` characters (a real one is a few hundred)."""
    if len(text) > longest:
        raise _refused(f"{len(text)} characters, more than {longest} (config set mail_filter_max)")
    try:
        root = etree.fromstring(f"<Filter>{text}</Filter>".encode(), safe_parser())
    except etree.XMLSyntaxError as error:
        raise _refused(f"not XML: {error}") from error
    for element in root.iter(etree.Element):
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = element.tag.partition("}")[2]
    kind = (child_text(root, "FilterType") or "EXCLUSIVE").upper()
    if kind not in FILTER_TYPES:
        raise _refused(f"FilterType {kind!r}")
    found = DeviceFilter()
    record = child(root, "Record")
    if record is not None:
        _read_record(record, found)
    field = child(root, "Field")
    if field is not None:
        _read_field(field, found)
    return found


def _read_record(record: Element, found: DeviceFilter) -> None:
    item = child(record, "Item")
    if item is None:
        return
    meta = child(item, "Meta")
    grammar = child_text(meta, "Type") if meta is not None else None
    if grammar not in (None, CGI_TYPE):
        raise _refused(f"record grammar {grammar!r}")
    query = child_text(item, "Data") or ""
    for term in re.split(r"&AND;", query, flags=re.IGNORECASE):
        if not term.strip():
            continue
        matched = _TERM.match(term)
        if matched is None:
            raise _refused(f"term {term[:80]!r}")
        name, _, operator, value = matched.groups()
        name, operator = name.strip("&;").lower(), operator.upper()
        if name == "luid" and operator == "EQ":
            found.only = value
        elif name in ("modified", "received") and operator in ("GT", "GE"):
            found.since = None if value.upper() == "ALL" else _instant(value)
        else:
            raise _refused(f"term {term[:80]!r}")


def _instant(value: str) -> float:
    try:
        return float(calendar.timegm(time.strptime(value, _DATE)))
    except ValueError as error:
        raise _refused(f"date {value[:40]!r} is not like 20240131T120000Z") from error


def _read_field(field: Element, found: DeviceFilter) -> None:
    for item in children(field, "Item"):
        data = child(item, "Data")
        for prop in data.iter("Property") if data is not None else ():
            if (child_text(prop, "PropName") or "").lower() != "emailitem":
                continue
            params = {(child_text(param, "ParamName") or "").lower() for param in children(prop, "PropParam")}
            size = child_text(prop, "MaxSize")
            if "attachtype" in params:
                found.headers_only, found.max_bytes = False, None
            elif "texttype" in params:
                found.headers_only = False
                found.max_bytes = int(size) if size and size.isdigit() else None
            else:
                found.headers_only = True
