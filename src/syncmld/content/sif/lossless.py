"""The lossless rule: what the stored form cannot say about a SIF document travels in ``X-SIF-*`` properties.

Converting a document, the stored object is built from the fields it maps, then the fields are read
back from that object ("derived"). A field the object does not give back at all is kept as it was
sent. A field it gives back with another value (``""`` for ``0``, a date written another way, an
Outlook value with no exact standard twin) is kept too, with a digest of the derived value as guard:
it is written back only while the object still derives that value, so a later edit of the object by
another client wins over the kept text.
"""

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

from syncmld.content.sif.document import Fields, Value, block_xml, read_fragment

PREFIX = "X-SIF-"
NAME_PARAM = "X-SIF-NAME"
GUARD_PARAM = "X-SIF-DERIVED"
XML_PARAM = "X-SIF-VALUE"
XML_VALUE = "XML"

_NOT_NAME_CHAR = re.compile(r"[^A-Za-z0-9-]")
_XML_NAME = re.compile(r"[A-Za-z_][\w.-]*")
_ABSENT = "\x00"

# every field name syncml-spec §9.3-§9.5 lists, and those the real samples add, to spell them back
_KNOWN_FIELDS = (
    "Anniversary", "AssistantName", "AssistantTelephoneNumber", "BillingInformation", "Birthday", "Body",
    "Business2TelephoneNumber", "BusinessAddressCity", "BusinessAddressCountry", "BusinessAddressExtended",
    "BusinessAddressPostOfficeBox", "BusinessAddressPostalCode", "BusinessAddressState", "BusinessAddressStreet",
    "BusinessFaxNumber", "BusinessLabel", "BusinessTelephoneNumber", "BusinessWebPage", "CallbackTelephoneNumber",
    "CarTelephoneNumber", "Categories", "Children", "Companies", "CompanyMainTelephoneNumber", "CompanyName",
    "ComputerNetworkName", "DCOnlyTelephoneNumber", "Department", "Email1Address", "Email1AddressType",
    "Email2Address", "Email2AddressType", "Email3Address", "Email3AddressType", "FileAs", "FirstName", "Folder",
    "Gender", "Hobby", "Home2TelephoneNumber", "HomeAddressCity", "HomeAddressCountry", "HomeAddressExtended",
    "HomeAddressPostOfficeBox", "HomeAddressPostalCode", "HomeAddressState", "HomeAddressStreet", "HomeFaxNumber",
    "HomeLabel", "HomeTelephoneNumber", "HomeWebPage", "IMAddress", "Importance", "Initials",
    "InternetFreeBusyAddress", "JobTitle", "Language", "LastName", "MailingAddress", "ManagerName", "MiddleName",
    "Mileage", "MobileBusinessTelephoneNumber", "MobileDCTelephoneNumber", "MobileEmailAddress",
    "MobileHomeTelephoneNumber", "MobileTelephoneNumber", "NickName", "OfficeLocation", "OrganizationalIDNumber",
    "OtherAddressCity", "OtherAddressCountry", "OtherAddressExtended", "OtherAddressPostOfficeBox",
    "OtherAddressPostalCode", "OtherAddressState", "OtherAddressStreet", "OtherEmail2Address", "OtherEmail3Address",
    "OtherFaxNumber", "OtherLabel", "OtherTelephoneNumber", "PagerNumber", "Photo", "PrimaryTelephoneNumber",
    "Profession", "RadioTelephoneNumber", "Revision", "Sensitivity", "Spouse", "Subject", "Suffix", "TelexNumber",
    "Timezone", "Title", "Uid", "WebPage", "YomiCompanyName", "YomiFirstName", "YomiLastName", "CustomerID",
    "GovernmentIDNumber", "IM2Address", "IM3Address", "PersonalWebPage", "NoAging", "UnRead", "Url", "Sequence",
    "DAlarm", "PAlarm", "Geo", "Contact", "BusyStatus", "MeetingStatus", "Duration", "Status", "Location",
    "ReplyTime", "ReminderSet", "ReminderMinutesBeforeStart", "ReminderTime", "ReminderSoundFile", "ReminderOptions",
    "ReminderInterval", "ReminderRepeatCount", "Attendees", "Prodid", "Version", "Calscale", "Method", "Dtstamp",
    "Last-Modified", "AllDayEvent", "Start", "End", "Transp", "ActualWork", "Complete", "StartDate", "DueDate",
    "DateCompleted", "Owner", "PercentComplete", "TeamTask", "TotalWork", "Role", "IsRecurring", "RecurrenceType",
    "Interval", "DayOfWeekMask", "DayOfMonth", "MonthOfYear", "Instance", "PatternStartDate", "PatternEndDate",
    "NoEndDate", "Occurrences", "Exceptions", "Date", "Color", "Height", "Left", "Top", "Width",
)  # fmt: skip
_SPELLING = {PREFIX + _NOT_NAME_CHAR.sub("-", name).upper(): name for name in _KNOWN_FIELDS}


@dataclass(frozen=True)
class KeptField:
    """A SIF field kept in the stored object; ``guard`` set when the object also derives the field."""

    name: str
    value: Value
    guard: str | None


def fields_to_keep(sent: Fields, derived: Fields) -> list[KeptField]:
    """The sent fields the stored object does not give back as they were sent."""
    kept: list[KeptField] = []
    for name, value in sent.items():
        if name not in derived:
            kept.append(KeptField(name, value, None))
        elif derived[name] != value:
            kept.append(KeptField(name, value, _digest(derived[name])))
    return kept


def restore(derived: Fields, kept: Iterable[KeptField]) -> Fields:
    """The fields to send: derived ones, replaced by kept ones whose guard still holds, then unguarded kept ones."""
    fields = dict(derived)
    for field in kept:
        if field.guard is None:
            fields.setdefault(field.name, field.value)
        elif field.guard == _digest(derived.get(field.name)):
            fields[field.name] = field.value
    return fields


def _digest(value: Value | None) -> str:
    text = _ABSENT if value is None else block_xml(value) if isinstance(value, tuple) else value
    return hashlib.blake2s(text.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()


def property_name(field: str) -> str:
    """``HomeTelephoneNumber`` -> ``X-SIF-HOMETELEPHONENUMBER``."""
    return PREFIX + _NOT_NAME_CHAR.sub("-", field).upper()


def property_params(field: KeptField) -> dict[str, str]:
    """The parameters that tell a kept field's spelling, guard and kind of value."""
    params: dict[str, str] = {}
    if _SPELLING.get(property_name(field.name)) != field.name:
        params[NAME_PARAM] = field.name
    if field.guard is not None:
        params[GUARD_PARAM] = field.guard
    if isinstance(field.value, tuple):
        params[XML_PARAM] = XML_VALUE
    return params


def property_text(field: KeptField) -> str:
    return block_xml(field.value) if isinstance(field.value, tuple) else field.value


def kept_from_property(name: str, params: Mapping[str, str], text: str) -> KeptField | None:
    """The kept field an ``X-SIF-*`` property holds; None when it is not one or is damaged."""
    field = params.get(NAME_PARAM) or _SPELLING.get(name.upper())
    if field is None or not name.upper().startswith(PREFIX) or not _XML_NAME.fullmatch(field):
        return None
    value: Value = text
    if params.get(XML_PARAM, "").upper() == XML_VALUE:
        try:
            value = read_fragment(text) or ""
        except etree.XMLSyntaxError:
            return None
    return KeptField(field, value, params.get(GUARD_PARAM))
