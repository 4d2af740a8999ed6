"""The filters of calendar-query (RFC 4791 §9.7) and addressbook-query (RFC 6352 §10.5) REPORTs.

A filter is read once into frozen dataclasses (``read_calendar_filter``, ``read_address_filter``), then
checked against each resource. Time ranges are checked against every occurrence of a recurring object
(``recurring_ical_events``: RRULE, RDATE, EXDATE and detached instances), in the object's own time zones.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from http import HTTPStatus

import recurring_ical_events  # type: ignore[import-untyped]  # no type information shipped
from icalendar import Calendar, Component

from syncmld.content.vcard import ContactProperty, VCard
from syncmld.dav.api import DavError, UnreadableItem
from syncmld.dav.xml import CALDAV, CARDDAV, tag
from syncmld.protocol.tree import Element


class MatchType(StrEnum):
    EQUALS = "equals"
    CONTAINS = "contains"
    STARTS_WITH = "starts-with"
    ENDS_WITH = "ends-with"


class Collation(StrEnum):
    OCTET = "i;octet"
    ASCII_CASEMAP = "i;ascii-casemap"
    UNICODE_CASEMAP = "i;unicode-casemap"


@dataclass(frozen=True)
class TextMatch:
    text: str
    collation: Collation = Collation.ASCII_CASEMAP
    match_type: MatchType = MatchType.CONTAINS
    negate: bool = False

    def matches(self, value: str) -> bool:
        wanted, seen = self.text, value
        if self.collation == Collation.ASCII_CASEMAP:
            wanted, seen = _ascii_lower(wanted), _ascii_lower(seen)
        elif self.collation == Collation.UNICODE_CASEMAP:
            wanted, seen = wanted.casefold(), seen.casefold()
        found = {
            MatchType.EQUALS: seen == wanted,
            MatchType.CONTAINS: wanted in seen,
            MatchType.STARTS_WITH: seen.startswith(wanted),
            MatchType.ENDS_WITH: seen.endswith(wanted),
        }[self.match_type]
        return found != self.negate


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ParamFilter:
    name: str
    undefined: bool = False
    text: TextMatch | None = None


@dataclass(frozen=True)
class PropFilter:
    name: str
    undefined: bool = False
    time_range: TimeRange | None = None
    texts: tuple[TextMatch, ...] = ()
    params: tuple[ParamFilter, ...] = ()
    any_of: bool = False
    """CardDAV's ``test="anyof"``: one of the text and parameter tests suffices."""


@dataclass(frozen=True)
class CompFilter:
    name: str
    undefined: bool = False
    time_range: TimeRange | None = None
    props: tuple[PropFilter, ...] = ()
    comps: tuple["CompFilter", ...] = ()


@dataclass(frozen=True)
class AddressFilter:
    props: tuple[PropFilter, ...] = ()
    any_of: bool = True
    """``test="anyof"`` (the default): one matching prop-filter suffices."""


FAR_PAST = datetime(1, 1, 2, tzinfo=UTC)
FAR_FUTURE = datetime(9999, 12, 30, tzinfo=UTC)


def _ascii_lower(text: str) -> str:
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def _bad(reason: str, precondition: str | None = None) -> DavError:
    return DavError(HTTPStatus.BAD_REQUEST if precondition is None else HTTPStatus.FORBIDDEN, reason, precondition)


# ------------------------------------------------------------------------------------------ reading


def read_calendar_filter(filter_element: Element | None) -> CompFilter:
    """The VCALENDAR comp-filter of a calendar-query ``filter`` element."""
    if filter_element is None:
        raise _bad("calendar-query without a filter", tag(CALDAV, "valid-filter"))
    tops = filter_element.findall(tag(CALDAV, "comp-filter"))
    if len(tops) != 1 or tops[0].get("name", "").upper() != "VCALENDAR":
        raise _bad("a calendar-query filter holds one comp-filter named VCALENDAR", tag(CALDAV, "valid-filter"))
    return _comp_filter(tops[0])


def _comp_filter(node: Element) -> CompFilter:
    name = node.get("name", "").upper()
    if not name:
        raise _bad("comp-filter without a name", tag(CALDAV, "valid-filter"))
    return CompFilter(
        name=name,
        undefined=node.find(tag(CALDAV, "is-not-defined")) is not None,
        time_range=_time_range(node.find(tag(CALDAV, "time-range"))),
        props=tuple(_prop_filter(child, CALDAV) for child in node.findall(tag(CALDAV, "prop-filter"))),
        comps=tuple(_comp_filter(child) for child in node.findall(tag(CALDAV, "comp-filter"))),
    )


def _prop_filter(node: Element, namespace: str) -> PropFilter:
    name = node.get("name", "").upper()
    if not name:
        raise _bad("prop-filter without a name", tag(namespace, "valid-filter") if namespace == CALDAV else None)
    return PropFilter(
        name=name,
        undefined=node.find(tag(namespace, "is-not-defined")) is not None,
        time_range=_time_range(node.find(tag(namespace, "time-range"))) if namespace == CALDAV else None,
        texts=tuple(_text_match(child) for child in node.findall(tag(namespace, "text-match"))),
        params=tuple(_param_filter(child, namespace) for child in node.findall(tag(namespace, "param-filter"))),
        any_of=node.get("test", "anyof" if namespace == CARDDAV else "allof") == "anyof",
    )


def _param_filter(node: Element, namespace: str) -> ParamFilter:
    matches = node.findall(tag(namespace, "text-match"))
    return ParamFilter(
        name=node.get("name", "").upper(),
        undefined=node.find(tag(namespace, "is-not-defined")) is not None,
        text=_text_match(matches[0]) if matches else None,
    )


def _text_match(node: Element) -> TextMatch:
    collation = node.get("collation", Collation.ASCII_CASEMAP.value)
    match_type = node.get("match-type", MatchType.CONTAINS.value)
    if collation not in Collation.__members__.values():
        raise DavError(
            HTTPStatus.FORBIDDEN, f"collation {collation[:40]!r} is not supported", tag(CALDAV, "supported-collation")
        )
    if match_type not in MatchType.__members__.values():
        raise _bad(f"match-type {match_type[:40]!r} is not one of {', '.join(MatchType)}")
    return TextMatch(
        text=node.text or "",
        collation=Collation(collation),
        match_type=MatchType(match_type),
        negate=node.get("negate-condition", "no") == "yes",
    )


def _time_range(node: Element | None) -> TimeRange | None:
    if node is None:
        return None
    start, end = node.get("start"), node.get("end")
    if start is None and end is None:
        raise _bad("time-range with neither start nor end", tag(CALDAV, "valid-filter"))
    return TimeRange(utc_bound(start) if start else FAR_PAST, utc_bound(end) if end else FAR_FUTURE)


def utc_bound(text: str) -> datetime:
    """A time-range bound: a UTC date-time (``20260101T000000Z``)."""
    try:
        return datetime.strptime(text.strip(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError as error:
        raise _bad(f"time-range bound {text[:40]!r} is not a UTC date-time", tag(CALDAV, "valid-filter")) from error


def read_address_filter(filter_element: Element | None) -> AddressFilter:
    if filter_element is None:
        return AddressFilter()
    return AddressFilter(
        props=tuple(_prop_filter(child, CARDDAV) for child in filter_element.findall(tag(CARDDAV, "prop-filter"))),
        any_of=filter_element.get("test", "anyof") == "anyof",
    )


# ------------------------------------------------------------------------------------------ checking


def calendar_matches(calendar: Calendar, top: CompFilter) -> bool:
    """Whether a calendar object passes the filter."""
    return _component_passes(calendar, top, calendar)


def _component_passes(component: Component, comp: CompFilter, calendar: Calendar) -> bool:
    if comp.time_range is not None and not _occurs_in(calendar, component, comp.time_range):
        return False
    if not all(_properties_pass(component, prop) for prop in comp.props):
        return False
    for child in comp.comps:
        found = [sub for sub in component.subcomponents if str(sub.name).upper() == child.name]
        if child.undefined:
            if found:
                return False
        elif not any(_component_passes(sub, child, calendar) for sub in found):
            return False
    return True


def _occurs_in(calendar: Calendar, component: Component, window: TimeRange) -> bool:
    """Whether the component (every occurrence of its object, when it recurs) overlaps the window."""
    name = str(component.name).upper()
    if name == "VALARM":
        return _alarm_in(calendar, window)
    if name not in ("VEVENT", "VTODO", "VJOURNAL"):
        return True
    if name == "VTODO" and not any(key in component for key in ("DTSTART", "DUE", "COMPLETED", "CREATED")):
        return True  # RFC 4791 §9.9: a task without any time overlaps every range
    try:
        query = recurring_ical_events.of(calendar, components=[name])
        return any(True for _ in query.between(window.start, window.end))
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise UnreadableItem(f"stored calendar object is unreadable: {error}") from error


def _alarm_in(calendar: Calendar, window: TimeRange) -> bool:
    """Whether an alarm of the object (of any occurrence) triggers within the window."""
    try:
        query = recurring_ical_events.of(calendar, components=["VALARM"])
        return any(True for _ in query.between(window.start, window.end))
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise UnreadableItem(f"stored calendar object is unreadable: {error}") from error


def _properties_pass(component: Component, prop: PropFilter) -> bool:
    values = component.get(prop.name)
    present = values if isinstance(values, list) else ([values] if values is not None else [])
    if prop.undefined:
        return not present
    if not present:
        return False
    return any(_property_passes(value, prop) for value in present)


def _property_passes(value: object, prop: PropFilter) -> bool:
    if prop.time_range is not None and not _value_in(value, prop.time_range):
        return False
    text = _text_of(value)
    if not all(match.matches(text) for match in prop.texts):
        return False
    params = getattr(value, "params", {})
    return all(_param_passes(params.get(param.name), param) for param in prop.params)


def _param_passes(value: object, param: ParamFilter) -> bool:
    if param.undefined:
        return value is None
    if value is None:
        return False
    return param.text is None or param.text.matches(str(value))


def _value_in(value: object, window: TimeRange) -> bool:
    moment = getattr(value, "dt", None)
    if isinstance(moment, datetime):
        instant = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        return window.start <= instant < window.end
    if isinstance(moment, date):
        start = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
        return window.start <= start < window.end
    return False


def _text_of(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    categories = getattr(value, "cats", None)
    if categories is not None:
        return ",".join(str(each) for each in categories)
    return str(value)


def address_matches(card: VCard | None, address: AddressFilter) -> bool:
    """Whether a vCard (None: one that cannot be read) passes an addressbook-query filter."""
    if not address.props:
        return True
    if card is None:
        return False
    checks = (_card_passes(card.properties, prop) for prop in address.props)
    return any(checks) if address.any_of else all(checks)


def _card_passes(properties: Sequence[ContactProperty], prop: PropFilter) -> bool:
    present = [each for each in properties if each.name == prop.name]
    if prop.undefined:
        return not present
    if not present:
        return False
    tests: list[Callable[[ContactProperty], bool]] = [
        *(lambda each, match=match: match.matches(each.text) for match in prop.texts),
        *(lambda each, param=param: _card_param_passes(each, param) for param in prop.params),
    ]
    if not tests:
        return True
    if prop.any_of:
        return any(test(each) for each in present for test in tests)
    return all(any(test(each) for each in present) for test in tests)


def _card_param_passes(prop: ContactProperty, param: ParamFilter) -> bool:
    values = [value or "" for name, value in prop.params if name.upper() == param.name]
    if param.undefined:
        return not values
    if not values:
        return False
    if param.text is None:
        return True
    return any(param.text.matches(part) for value in values for part in value.split(","))
