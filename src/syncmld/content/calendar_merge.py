"""A device's update of a stored calendar object, and the three-way merge of two changed versions."""

from datetime import datetime

from icalendar import Component

from syncmld.content.calendar_compare import (
    ALARMS,
    END,
    MOMENTS,
    PEOPLE,
    alarm_normal,
    alarms,
    component_key,
    component_normal,
    field_lines,
    field_names,
    moments,
    value_text,
    wall_clock,
)
from syncmld.content.calendar_read import Object
from syncmld.content.common import property_coverage
from syncmld.content.timezones import Zone, instant
from syncmld.content.vcalendar import (
    ALARM,
    ALARM_NAMES,
    DATE_LISTS,
    DATE_TIMES,
    NOT_IN_VCAL10,
    VCAL10_NAMES,
    tzid_of,
    values_of,
)
from syncmld.content.vcalendar_write import alarm_time, vcal10_alarm, vcal10_property


def _pairs(old: list[Component], old_zones: dict[str, Zone], new: list[Component], new_zones: dict[str, Zone]
           ) -> list[tuple[Component | None, Component | None]]:  # fmt: skip
    """Components of two versions of an object matched by kind and RECURRENCE-ID (a lone one with a lone one)."""
    if len(old) == 1 and len(new) == 1 and old[0].name == new[0].name:
        return [(old[0], new[0])]
    remaining = {component_key(component, old_zones): component for component in old}
    pairs: list[tuple[Component | None, Component | None]] = []
    for component in new:
        pairs.append((remaining.pop(component_key(component, new_zones), None), component))
    pairs.extend((component, None) for component in remaining.values())
    return pairs


def _set(target: Component, name: str, source: Component) -> None:
    """Property ``name`` of ``target`` becomes ``source``'s (removed when ``source`` has none)."""
    if name in target:
        del target[name]
    if name in source:
        target[name] = source[name]


def _detached(component: Component) -> Component:
    """A copy of ``component`` whose fields can be set without changing ``component`` (a parsed item's)."""
    copy = component.copy()
    copy.name = component.name  # type: ignore[misc]  # as icalendar names a component it has no class for
    copy.subcomponents = list(component.subcomponents)
    return copy


def _set_field(target: Component, name: str, source: Component) -> None:
    if name == END:
        _set(target, "DTEND", source)
        _set(target, "DURATION", source)
    elif name == ALARMS:
        target.subcomponents = [sub for sub in target.subcomponents if sub.name != ALARM] + alarms(source)
    else:
        _set(target, name, source)


# ============================================================================================ an update


class Update:
    """A device's new version of a stored object, keeping what the device could not carry or did not change."""

    def __init__(self, old: Object, new: Object, device_properties: frozenset[str] | None) -> None:
        self.old, self.new = old, new
        self.from_10 = new.from_10
        self.covered = property_coverage(device_properties)

    def components(self) -> list[Component]:
        result: list[Component] = []
        for old, new in _pairs(self.old.components, self.old.zones, self.new.components, self.new.zones):
            if new is None and old is not None and not self._carries_instances(old):
                result.append(old)
            elif new is not None:
                result.append(self._component(old, new) if old is not None else new)
        return result

    def _carries_instances(self, old: Component) -> bool:
        return "RECURRENCE-ID" not in old or self._covers("RECURRENCE-ID")

    def _covers(self, name: str) -> bool:
        return self.covered(VCAL10_NAMES.get(name, name) if self.from_10 else name)

    def _carried(self, old: Component, name: str) -> bool:
        """Whether the device could hold property ``name`` of the stored component at all."""
        if name == ALARMS:
            names = ALARM_NAMES if self.from_10 else ALARM_NAMES | {"VALARM", "TRIGGER"}
            return any(self.covered(alarm) for alarm in names)
        if name == END:
            return self._covers("DTEND")
        if not self._covers(name):
            return False
        if self.from_10:
            return name not in NOT_IN_VCAL10 and bool(vcal10_property(old, self.old.zones, name))
        return True

    def _component(self, old: Component, new: Component) -> Component:
        for name in sorted(field_names(old) | field_names(new)):
            old_lines = field_lines(old, name, self.old.zones)
            if not old_lines:
                continue
            if not self._carried(old, name):
                _set_field(new, name, old)
            elif name == ALARMS:
                self._alarms(old, new)
            elif self._same(old, old_lines, new, name):
                _set_field(new, name, old)
            elif self.from_10:
                self._adapt(old, new, name)
        return new

    def _same(self, old: Component, old_lines: list[str], new: Component, name: str) -> bool:
        """Whether the device left field ``name`` as it was (``old_lines``: its ``field_lines`` in ``old``)."""
        if old_lines == field_lines(new, name, self.new.zones):
            return True
        if self.from_10 and name in MOMENTS:
            return wall_clock(old, name) == wall_clock(new, name) and self._floating(old, name)
        if self.from_10 and name != END:
            return vcal10_property(old, self.old.zones, name) == vcal10_property(new, self.new.zones, name)
        return False

    def _floating(self, old: Component, name: str) -> bool:
        return all(
            isinstance(moment, datetime) and moment.tzinfo is None for moment in moments(old, name, self.old.zones)
        )

    def _alarms(self, old: Component, new: Component) -> None:
        """Alarms that ring at the same time, or as long before the start, and say the same stay as stored;
        alarms 1.0 cannot say are kept."""
        stored = {key: alarm for alarm in alarms(old) for key in self._alarm_keys(old, alarm, self.old.zones)}
        kept = [alarm for alarm in alarms(old) if self.from_10 and not vcal10_alarm(old, alarm, self.old.zones)]
        sent = []
        for alarm in alarms(new):
            keys = self._alarm_keys(new, alarm, self.new.zones)
            sent.append(next((stored[key] for key in keys if key in stored), alarm))
        new.subcomponents = [sub for sub in new.subcomponents if sub.name != ALARM] + sent + kept

    def _alarm_keys(self, component: Component, alarm: Component, zones: dict[str, Zone]) -> tuple[str, str]:
        """What the device sees of an alarm, with its ringing time absolute and relative to its anchor."""
        from_device = vcal10_alarm(component, alarm, zones) if self.from_10 else None
        text = repr(from_device) if from_device is not None else alarm_normal(component, alarm, zones)
        ringing = alarm_time(component, alarm, zones)
        trigger = alarm.get("TRIGGER")
        if not ringing or trigger is None:
            return text, text
        relative = value_text(trigger) + str(trigger.params.get("RELATED", ""))
        return text, text.replace(ringing, relative)

    def _adapt(self, old: Component, new: Component, name: str) -> None:
        """A changed value from a 1.0 device, in the stored object's terms where 1.0 lost them."""
        if name in PEOPLE:
            self._people(old, new, name)
        elif name in (*DATE_TIMES, *DATE_LISTS, END):
            zone_tzid = self._zone_of(old)
            if zone_tzid is not None:
                for prop in ("DTEND",) if name == END else (name,):
                    _rezone(new, prop, zone_tzid, self.old.zones[zone_tzid], self.new.zones)

    def _zone_of(self, old: Component) -> str | None:
        for name in ("DTSTART", "DUE", "DTEND"):
            tzid = tzid_of(old.get(name))
            if tzid is not None and tzid in self.old.zones:
                return tzid
        return None

    def _people(self, old: Component, new: Component, name: str) -> None:
        stored = {str(value).lower(): value for value in values_of(old, name)}
        merged = []
        for value in values_of(new, name):
            previous = stored.get(str(value).lower())
            if previous is None:
                merged.append(value)
                continue
            for key, val in previous.params.items():
                if key.upper() not in ("CN", "PARTSTAT", "RSVP", "ROLE") and not key.upper().startswith("X-"):
                    value.params.setdefault(key, val)
            merged.append(value)
        del new[name]
        for value in merged:
            new.add(name, value, encode=False)


def _rezone(component: Component, name: str, tzid: str, zone: Zone, zones: dict[str, Zone]) -> None:
    """Times of ``name`` that are UTC (or in a 1.0 zone) written as wall-clock times in the stored zone."""
    for value in values_of(component, name):
        items = getattr(value, "dts", [value])
        moments = [instant(item.dt, tzid_of(value), zones) for item in items]
        if not all(isinstance(moment, datetime) and moment.tzinfo is not None for moment in moments):
            continue
        for item, moment in zip(items, moments, strict=True):
            item.dt = zone.to_local(moment)  # type: ignore[arg-type]
            item.params.pop("VALUE", None)
            item.params["TZID"] = tzid
        value.params["TZID"] = tzid


# ============================================================================================ a conflict


class Merge:
    """Field-level three-way merge of two changed versions of one object."""

    def __init__(self, server: Object, client: Object, base: Object | None, prefer_client: bool) -> None:
        self.server, self.client, self.base = server, client, base
        self.prefer_client = prefer_client

    def components(self) -> list[Component]:
        base_by_key = (
            {component_key(component, self.base.zones): component for component in self.base.components}
            if self.base is not None
            else {}
        )
        result: list[Component] = []
        for server, client in _pairs(
            self.server.components, self.server.zones, self.client.components, self.client.zones
        ):
            one = client if client is not None else server
            if one is None:
                continue
            zones = self.client.zones if client is not None else self.server.zones
            original = base_by_key.get(component_key(one, zones))
            if server is not None and client is not None:
                result.append(self._component(server, client, original))
            elif self._survives(one, zones, original):
                result.append(one)
        return result

    def _survives(self, component: Component, zones: dict[str, Zone], original: Component | None) -> bool:
        """A component only one side has: kept unless the other side deleted it and this side left it alone."""
        if self.base is None or original is None:
            return True
        return component_normal(component, zones) != component_normal(original, self.base.zones)

    def _component(self, server: Component, client: Component, original: Component | None) -> Component:
        preferred, other = (client, server) if self.prefer_client else (server, client)
        preferred = _detached(preferred)
        preferred_zones, other_zones = (
            (self.client.zones, self.server.zones) if self.prefer_client else (self.server.zones, self.client.zones)
        )
        base_zones = self.base.zones if self.base is not None else {}
        for name in sorted(field_names(server) | field_names(client)):
            mine = field_lines(preferred, name, preferred_zones)
            theirs = field_lines(other, name, other_zones)
            if mine == theirs:
                continue
            if original is None:
                take_other = not mine
            else:
                start = field_lines(original, name, base_zones)
                take_other = mine == start
            if take_other:
                _set_field(preferred, name, other)
        return preferred
