"""SIF-C contacts <-> vCard 3.0 (Horde's mapping, syncml-spec §9.3, plus Evolution's phone types)."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from syncmld.content.sif.document import Fields, Value, write_document
from syncmld.content.sif.lossless import (
    PREFIX,
    KeptField,
    fields_to_keep,
    kept_from_property,
    property_name,
    property_params,
    property_text,
    restore,
)
from syncmld.content.vcard import ContactProperty, VCard, to_vcard, type_values

ROOT = "contact"

_NAME_PARTS = ("LastName", "FirstName", "MiddleName", "Title", "Suffix")
_ORG_PARTS = ("CompanyName", "Department")
_ADDRESS_PARTS = ("PostOfficeBox", "Extended", "Street", "City", "State", "PostalCode", "Country")
_TEXTS = {
    "JobTitle": "TITLE",
    "Profession": "ROLE",
    "Body": "NOTE",
    "NickName": "NICKNAME",
    "Birthday": "BDAY",
    "Anniversary": "X-ANNIVERSARY",
    "Spouse": "X-SPOUSE",
    "Children": "X-CHILDREN",
    "ManagerName": "X-MANAGER",
    "AssistantName": "X-ASSISTANT",
    "Uid": "UID",
}
# TYPE values that say nothing about which SIF field a property fills
_NEUTRAL_TYPES = frozenset({"VOICE", "INTERNET", "POSTAL", "PARCEL", "INTL", "DOM", "X400"})
_NO_SPACE = re.compile(r"\s+")
_IMAGE_TYPES = (("/9j/", "JPEG"), ("iVBOR", "PNG"), ("R0lGOD", "GIF"), ("Qk", "BMP"))


@dataclass(frozen=True)
class _Slot:
    """A SIF field held by one property of a repeatable kind, told apart by its TYPE values (``key``)."""

    field: str
    types: str
    key: frozenset[str]


@dataclass(frozen=True)
class _SlotTable:
    """The fields one property name fills, in order, and the ones that take properties of other types."""

    property: str
    slots: tuple[_Slot, ...]
    overflow: tuple[str, ...]


def _type_key(types: Iterable[str]) -> frozenset[str]:
    key = frozenset(item.upper() for item in types) - _NEUTRAL_TYPES
    return key - {"PREF"} if len(key) > 1 else key


def _table(name: str, pairs: Sequence[tuple[str, str]], overflow: Sequence[str]) -> _SlotTable:
    slots = tuple(_Slot(field, types, _type_key(type_values(types))) for field, types in pairs)
    return _SlotTable(name, slots, tuple(overflow))


_PHONES = _table(
    "TEL",
    [
        ("HomeTelephoneNumber", "HOME,VOICE"),
        ("Home2TelephoneNumber", "HOME,VOICE"),
        ("HomeFaxNumber", "HOME,FAX"),
        ("BusinessTelephoneNumber", "WORK,VOICE"),
        ("Business2TelephoneNumber", "WORK,VOICE"),
        ("BusinessFaxNumber", "WORK,FAX"),
        ("MobileTelephoneNumber", "CELL"),
        ("MobileHomeTelephoneNumber", "CELL,HOME"),
        ("MobileBusinessTelephoneNumber", "CELL,WORK"),
        ("CarTelephoneNumber", "CAR"),
        ("PagerNumber", "PAGER"),
        ("PrimaryTelephoneNumber", "PREF"),
        ("OtherTelephoneNumber", "VOICE"),
        ("OtherFaxNumber", "FAX"),
        ("CompanyMainTelephoneNumber", "X-EVOLUTION-COMPANY"),
        ("CallbackTelephoneNumber", "X-EVOLUTION-CALLBACK"),
        ("RadioTelephoneNumber", "X-EVOLUTION-RADIO"),
        ("TelexNumber", "X-EVOLUTION-TELEX"),
        ("AssistantTelephoneNumber", "X-EVOLUTION-ASSISTANT"),
    ],
    ["OtherTelephoneNumber"],
)
_EMAILS = _table(
    "EMAIL",
    [("Email1Address", "INTERNET"), ("Email2Address", "INTERNET,HOME"), ("Email3Address", "INTERNET,WORK")],
    ["Email1Address", "Email2Address", "Email3Address"],
)
_WEB_PAGES = _table(
    "URL", [("WebPage", ""), ("HomeWebPage", "HOME"), ("BusinessWebPage", "WORK")], ["WebPage", "HomeWebPage"]
)
_LABELS = _table("LABEL", [("HomeLabel", "HOME"), ("BusinessLabel", "WORK"), ("OtherLabel", "OTHER")], ["OtherLabel"])
_ADDRESSES = _table("ADR", [("Home", "HOME"), ("Business", "WORK"), ("Other", "OTHER")], ["Other"])
_SINGLE_VALUE_TABLES = (_PHONES, _EMAILS, _WEB_PAGES, _LABELS)

VCARD_PROPERTIES = frozenset({
    "FN", "N", "ORG", "CATEGORIES", "PHOTO", *_TEXTS.values(),
    *(table.property for table in (*_SINGLE_VALUE_TABLES, _ADDRESSES)), f"{PREFIX}*",
})  # fmt: skip
"""The vCard properties SIF-C has fields for; a SIF client's change keeps every other one."""


def contact_to_vcard(fields: Fields) -> bytes:
    """A SIF-C document's fields as vCard 3.0 bytes."""
    sent = dict(fields)
    if isinstance(sent.get("Photo"), str):
        sent["Photo"] = _NO_SPACE.sub("", str(sent["Photo"]))
    properties = _properties({name: value for name, value in sent.items() if isinstance(value, str)})
    kept = fields_to_keep(sent, _derived(properties))
    properties.extend(_kept_property(field) for field in kept)
    return to_vcard(VCard("3.0", tuple(properties)), "3.0")


def vcard_to_contact(card: VCard) -> bytes:
    """A stored vCard (parsed) as a SIF-C document."""
    kept = (_kept_field(prop) for prop in card.properties if prop.name.upper().startswith(PREFIX))
    fields = restore(_derived(card.properties), (field for field in kept if field is not None))
    return write_document(ROOT, fields.items())


# --------------------------------------------------------------------------------------- SIF -> vCard


def _properties(fields: dict[str, str]) -> list[ContactProperty]:
    def text(name: str) -> str:
        return fields.get(name, "")

    names = tuple((text(part),) for part in _NAME_PARTS)
    properties = [
        _property("FN", text("FileAs") or _display_name(fields)),
        ContactProperty(None, "N", (), names),
    ]
    if any(text(part) for part in _ORG_PARTS):
        properties.append(ContactProperty(None, "ORG", (), tuple((text(part),) for part in _ORG_PARTS)))
    properties.extend(_property(prop, text(field)) for field, prop in _TEXTS.items() if text(field))
    for table in _SINGLE_VALUE_TABLES:
        properties.extend(
            _property(table.property, text(slot.field), slot.types) for slot in table.slots if text(slot.field)
        )
    for slot in _ADDRESSES.slots:
        parts = tuple((text(f"{slot.field}Address{part}"),) for part in _ADDRESS_PARTS)
        if any(part for (part,) in parts):
            properties.append(ContactProperty(None, "ADR", (("TYPE", slot.types),), parts))
    categories = [item.strip() for item in text("Categories").split(",") if item.strip()]
    if categories:
        properties.append(ContactProperty(None, "CATEGORIES", (), (tuple(categories),)))
    if text("Photo"):
        properties.append(_photo(text("Photo")))
    return properties


def _display_name(fields: dict[str, str]) -> str:
    """A name to show when the contact has no FileAs: the names in reading order, else the company."""
    parts = (fields.get(part, "") for part in ("Title", "FirstName", "MiddleName", "LastName", "Suffix"))
    return " ".join(part for part in parts if part) or fields.get("CompanyName", "")


def _property(name: str, value: str, types: str = "") -> ContactProperty:
    return ContactProperty(None, name, (("TYPE", types),) if types else (), ((value,),))


def _photo(base64_text: str) -> ContactProperty:
    image = next((kind for prefix, kind in _IMAGE_TYPES if base64_text.startswith(prefix)), None)
    params = (("ENCODING", "b"), *((("TYPE", image),) if image else ()))
    return ContactProperty(None, "PHOTO", params, ((base64_text,),))


def _kept_property(field: KeptField) -> ContactProperty:
    params = tuple(property_params(field).items())
    return ContactProperty(None, property_name(field.name), params, ((property_text(field),),))


# --------------------------------------------------------------------------------------- vCard -> SIF


def _derived(properties: Iterable[ContactProperty]) -> Fields:
    """The SIF-C fields a vCard's standard properties give (empty where it has none)."""
    by_name: dict[str, list[ContactProperty]] = {}
    for prop in properties:
        by_name.setdefault(prop.name.upper(), []).append(prop)

    def first(name: str) -> ContactProperty | None:
        found = by_name.get(name)
        return found[0] if found else None

    fields: dict[str, Value] = {}
    fn = first("FN")
    fields["FileAs"] = fn.text if fn else ""
    fields.update(zip(_NAME_PARTS, _components(first("N"), len(_NAME_PARTS)), strict=True))
    fields.update(zip(_ORG_PARTS, _components(first("ORG"), len(_ORG_PARTS)), strict=True))
    for field, name in _TEXTS.items():
        found = first(name)
        fields[field] = found.text if found else ""
    for table in _SINGLE_VALUE_TABLES:
        taken = _fill(table, by_name.get(table.property, []))
        fields.update((slot.field, taken[slot.field].text if slot.field in taken else "") for slot in table.slots)
    addresses = _fill(_ADDRESSES, by_name.get("ADR", []))
    for slot in _ADDRESSES.slots:
        parts = _components(addresses.get(slot.field), len(_ADDRESS_PARTS))
        fields.update((f"{slot.field}Address{part}", value) for part, value in zip(_ADDRESS_PARTS, parts, strict=True))
    categories = [item for prop in by_name.get("CATEGORIES", []) for items in prop.value for item in items if item]
    fields["Categories"] = ", ".join(categories)
    photo = next((prop for prop in by_name.get("PHOTO", []) if prop.is_binary()), None)
    fields["Photo"] = _NO_SPACE.sub("", photo.text) if photo else ""
    return fields


def _components(prop: ContactProperty | None, count: int) -> list[str]:
    values = [",".join(items) for items in prop.value] if prop else []
    return (values + [""] * count)[:count]


def _fill(table: _SlotTable, properties: Iterable[ContactProperty]) -> dict[str, ContactProperty]:
    """Which property fills which field: the first free field of its types, else the first free overflow one."""
    taken: dict[str, ContactProperty] = {}
    for prop in properties:
        if prop.is_empty():
            continue
        key = _type_key(
            item for name, value in prop.params if name.upper() == "TYPE" for item in type_values(value or "")
        )
        matching = (slot.field for slot in table.slots if slot.key == key and slot.field not in taken)
        overflow = (field for field in table.overflow if field not in taken)
        field = next(matching, None) or next(overflow, None)
        if field is not None:
            taken[field] = prop
    return taken


def _kept_field(prop: ContactProperty) -> KeptField | None:
    params = {name.upper(): value or "" for name, value in prop.params}
    return kept_from_property(prop.name, params, prop.text)
