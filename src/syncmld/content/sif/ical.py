"""iCalendar pieces every SIF calendar kind shares: the VCALENDAR, text properties, kept ``X-SIF-*`` fields."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Component, vText

from syncmld.content.ical_text import value_text
from syncmld.content.sif.dates import Instant
from syncmld.content.sif.lossless import (
    PREFIX,
    KeptField,
    kept_from_property,
    property_name,
    property_params,
    property_text,
)
from syncmld.content.vcalendar import values_of
from syncmld.content.vcalendar_text import unescape

PRODID = "-//syncmld//SIF converter//EN"


def new_calendar(*components: Component) -> Calendar:
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    for component in components:
        calendar.add_component(component)
    return calendar


def first(component: Component, name: str) -> Any:
    """The (first) property called ``name``, None when there is none."""
    found = component.get(name)
    return (found[0] if found else None) if isinstance(found, list) else found


def instant(component: Component, name: str) -> Instant | None:
    """The value of a DATE or DATE-TIME property; None when absent or of another kind."""
    value = getattr(first(component, name), "dt", None)
    return value if isinstance(value, date) else None


def offset(component: Component, name: str) -> timedelta | None:
    """The value of a UTC-OFFSET property."""
    value = getattr(first(component, name), "td", None)
    return value if isinstance(value, timedelta) else None


def params(component: Component, name: str) -> dict[str, str]:
    """The parameters of the (first) property called ``name``, upper-cased names."""
    found = getattr(first(component, name), "params", None) or {}
    return {str(key).upper(): str(value) for key, value in found.items()}


def series_start(component: Component) -> Instant | None:
    """Where a series starts: DTSTART, or a task's DUE when it has no start."""
    start = instant(component, "DTSTART")
    return start if start is not None else instant(component, "DUE")


def wall_clock(value: datetime) -> datetime:
    """A time as the wall clock reads it in its own zone, without the zone."""
    return value.replace(tzinfo=None)


def add_text(component: Component, name: str, value: str) -> None:
    """Add a TEXT property unless ``value`` is empty."""
    if value:
        component.add(name, vText(value))


def text(component: Component, name: str) -> str:
    value = first(component, name)
    return "" if value is None else unescape(value_text(value))


def add_categories(component: Component, value: str) -> None:
    """SIF ``Categories`` (comma-separated) as CATEGORIES."""
    categories = [item.strip() for item in value.split(",") if item.strip()]
    if categories:
        component.add("CATEGORIES", categories)


def categories(component: Component) -> str:
    return ", ".join(str(item) for prop in values_of(component, "CATEGORIES") for item in prop.cats if str(item))


def add_kept(component: Component, kept: Iterable[KeptField]) -> None:
    for field in kept:
        component.add(property_name(field.name), vText(property_text(field)), parameters=property_params(field))


def kept_fields(component: Component) -> list[KeptField]:
    """The SIF fields kept in a component's ``X-SIF-*`` properties."""
    kept: list[KeptField] = []
    for name, value in component.property_items(recursive=False):
        if not name.upper().startswith(PREFIX) or not hasattr(value, "to_ical"):
            continue
        found = getattr(value, "params", None) or {}
        kept_params = {str(key).upper(): str(param) for key, param in found.items()}
        field = kept_from_property(name, kept_params, unescape(value_text(value)))
        if field is not None:
            kept.append(field)
    return kept
