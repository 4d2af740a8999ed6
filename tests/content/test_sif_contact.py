"""SIF-C contacts <-> vCard 3.0: each field lands on the vCard property a vCard client reads."""

from syncmld.content.sif import sif_to_stored, stored_to_sif
from syncmld.content.vcard import ContactProperty, VCard, normal_form, parse_vcard, type_values

from .samples import PHOTO_B64
from .sif_documents import sif_document, sif_fields

SIFC = "text/x-s4j-sifc"
PHONES = {
    "HomeTelephoneNumber": "+1 1",
    "Home2TelephoneNumber": "+1 2",
    "HomeFaxNumber": "+1 3",
    "BusinessTelephoneNumber": "+1 4",
    "Business2TelephoneNumber": "+1 5",
    "BusinessFaxNumber": "+1 6",
    "MobileTelephoneNumber": "+1 7",
    "CarTelephoneNumber": "+1 8",
    "PagerNumber": "+1 9",
    "PrimaryTelephoneNumber": "+1 10",
    "OtherTelephoneNumber": "+1 11",
    "OtherFaxNumber": "+1 12",
    "CompanyMainTelephoneNumber": "+1 13",
    "CallbackTelephoneNumber": "+1 14",
    "RadioTelephoneNumber": "+1 15",
    "TelexNumber": "+1 16",
    "AssistantTelephoneNumber": "+1 17",
    "MobileHomeTelephoneNumber": "+1 18",
    "MobileBusinessTelephoneNumber": "+1 19",
}
CONTACT = {
    "FileAs": "Müller, Jürgen",
    "FirstName": "Jürgen",
    "MiddleName": "K.",
    "LastName": "Müller",
    "Title": "Dr.",
    "Suffix": "Jr.",
    "NickName": "Jü",
    "CompanyName": "Smith; Jones & Co",
    "Department": "R&D",
    "JobTitle": "Engineer",
    "Profession": "Physicist",
    "Email1Address": "one@example.org",
    "Email2Address": "two@example.org",
    "Email3Address": "three@example.org",
    "Email1AddressType": "SMTP",
    "HomeAddressStreet": "Hauptstraße 1",
    "HomeAddressCity": "Berlin",
    "HomeAddressPostalCode": "10115",
    "HomeAddressCountry": "Deutschland",
    "BusinessAddressStreet": "1 Main St\nSuite 2",
    "BusinessAddressCity": "Springfield",
    "BusinessAddressState": "IL",
    "BusinessAddressPostOfficeBox": "PO 7",
    "OtherAddressCity": "Paris",
    "Birthday": "1970-01-02",
    "Anniversary": "1995-06-07",
    "Spouse": "Anna",
    "Children": "Ben, Carl",
    "Body": "Line one\nLine two; with <markup> & more",
    "WebPage": "http://example.org/",
    "BusinessWebPage": "http://work.example.org/",
    "Categories": "Business, VIP",
    "Photo": PHOTO_B64,
    "Gender": "2",
    "Hobby": "Chess",
    **PHONES,
}


def _stored(fields: dict[str, str]) -> list[ContactProperty]:
    stored_type, stored = sif_to_stored(sif_document("contact", fields), SIFC)
    assert stored_type == "text/vcard"
    return list(parse_vcard(stored).properties)


def _types(prop: ContactProperty) -> set[str]:
    return {item.upper() for key, value in prop.params if key == "TYPE" for item in type_values(value or "")}


def _by_name(properties: list[ContactProperty], name: str) -> list[ContactProperty]:
    return [prop for prop in properties if prop.name == name]


def test_names_and_organisation() -> None:
    properties = _stored(CONTACT)
    (n,) = _by_name(properties, "N")
    assert n.value == (("Müller",), ("Jürgen",), ("K.",), ("Dr.",), ("Jr.",))
    assert _by_name(properties, "FN")[0].text == "Müller, Jürgen"
    assert _by_name(properties, "NICKNAME")[0].text == "Jü"
    assert _by_name(properties, "ORG")[0].value == (("Smith; Jones & Co",), ("R&D",))
    assert _by_name(properties, "TITLE")[0].text == "Engineer"
    assert _by_name(properties, "ROLE")[0].text == "Physicist"


def test_phones_of_every_kind_get_their_vcard_types() -> None:
    phones = {prop.text: _types(prop) - {"VOICE"} for prop in _by_name(_stored(CONTACT), "TEL")}
    assert phones == {
        "+1 1": {"HOME"},
        "+1 2": {"HOME"},
        "+1 3": {"HOME", "FAX"},
        "+1 4": {"WORK"},
        "+1 5": {"WORK"},
        "+1 6": {"WORK", "FAX"},
        "+1 7": {"CELL"},
        "+1 8": {"CAR"},
        "+1 9": {"PAGER"},
        "+1 10": {"PREF"},
        "+1 11": set(),
        "+1 12": {"FAX"},
        "+1 13": {"X-EVOLUTION-COMPANY"},
        "+1 14": {"X-EVOLUTION-CALLBACK"},
        "+1 15": {"X-EVOLUTION-RADIO"},
        "+1 16": {"X-EVOLUTION-TELEX"},
        "+1 17": {"X-EVOLUTION-ASSISTANT"},
        "+1 18": {"CELL", "HOME"},
        "+1 19": {"CELL", "WORK"},
    }


def test_three_emails_addresses_dates_and_photo() -> None:
    properties = _stored(CONTACT)
    emails = {prop.text: _types(prop) - {"INTERNET"} for prop in _by_name(properties, "EMAIL")}
    assert emails == {"one@example.org": set(), "two@example.org": {"HOME"}, "three@example.org": {"WORK"}}
    addresses = {frozenset(_types(prop)): prop.value for prop in _by_name(properties, "ADR")}
    assert addresses == {
        frozenset({"HOME"}): (("",), ("",), ("Hauptstraße 1",), ("Berlin",), ("",), ("10115",), ("Deutschland",)),
        frozenset({"WORK"}): (("PO 7",), ("",), ("1 Main St\nSuite 2",), ("Springfield",), ("IL",), ("",), ("",)),
        frozenset({"OTHER"}): (("",), ("",), ("",), ("Paris",), ("",), ("",), ("",)),
    }
    assert _by_name(properties, "BDAY")[0].text == "1970-01-02"
    assert _by_name(properties, "X-ANNIVERSARY")[0].text == "1995-06-07"
    assert _by_name(properties, "X-SPOUSE")[0].text == "Anna"
    assert _by_name(properties, "NOTE")[0].text == CONTACT["Body"]
    assert _by_name(properties, "CATEGORIES")[0].value == (("Business", "VIP"),)
    urls = {prop.text: _types(prop) for prop in _by_name(properties, "URL")}
    assert urls == {"http://example.org/": set(), "http://work.example.org/": {"WORK"}}
    (photo,) = _by_name(properties, "PHOTO")
    assert photo.is_binary() and photo.text == PHOTO_B64 and _types(photo) == {"PNG"}


def test_fields_without_a_vcard_property_travel_as_x_sif() -> None:
    properties = {prop.name: prop for prop in _stored(CONTACT)}
    assert properties["X-SIF-GENDER"].text == "2"
    assert properties["X-SIF-HOBBY"].text == "Chess"
    assert properties["X-SIF-EMAIL1ADDRESSTYPE"].text == "SMTP"


def test_sif_to_vcard_to_sif_gives_back_every_field() -> None:
    stored_type, stored = sif_to_stored(sif_document("contact", CONTACT), SIFC)
    back = sif_fields(stored_to_sif(stored_type, stored, SIFC))
    assert {name: back[name] for name in CONTACT} == CONTACT
    assert back["SIFVersion"] == "1.1"


def test_fields_outlook_expects_are_written_even_when_the_vcard_lacks_them() -> None:
    stored = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Solo\r\nN:Solo;;;;\r\nEND:VCARD\r\n"
    back = sif_fields(stored_to_sif("text/vcard", stored, SIFC))
    assert back["FileAs"] == "Solo" and back["LastName"] == "Solo"
    assert {"Body", "Categories", "Email1Address", "HomeTelephoneNumber", "BusinessAddressCity"} <= set(back)
    assert back["Body"] == "" and back["Email1Address"] == ""


EVOLUTION_CARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\n"
    "N:Ngô;Şebnem;Q.;Ms.;\r\nFN:Şebnem Ngô\r\nNICKNAME:Seb\r\n"
    "ORG:Müller & Söhne KG\\, Berlin;Vertrieb\r\nTITLE:Boss\r\n"
    "TEL;TYPE=WORK,VOICE:+48 208\r\nTEL;TYPE=CELL:+7 99\r\nTEL;TYPE=HOME,FAX:+1 555\r\n"
    "EMAIL;TYPE=INTERNET:s@example.org\r\nEMAIL;TYPE=INTERNET,WORK:w@example.org\r\n"
    "ADR;TYPE=HOME:;;Rua Augusta 8;東京;東京都;100-0001;日本\r\n"
    "URL:http://example.org\r\nBDAY:1999-05-05\r\n"
    "CATEGORIES:Friends,Work\r\n"
    "NOTE:Met at the conference\\, likes coffee.\\nSecond line\\; really.\r\n"
    f"PHOTO;ENCODING=b;TYPE=PNG:{PHOTO_B64}\r\n"
    "END:VCARD\r\n"
).encode()


def _meaning(stored: bytes) -> list[tuple[str, tuple[str, ...], str]]:
    """What a contact says, blind to TYPE values that say nothing (VOICE, INTERNET) and property order."""
    return sorted(
        (prop.name, tuple(sorted(_types(prop) - {"VOICE", "INTERNET"})), _value(prop))
        for prop in parse_vcard(stored).properties
        if not prop.name.startswith("X-SIF-")
    )


def _value(prop: ContactProperty) -> str:
    """The property's value in normal form (without its parameters)."""
    line = normal_form(VCard("3.0", (ContactProperty(None, prop.name, (), prop.value),)))
    return line.split(":", 1)[1]


def test_vcard_to_sif_to_vcard_keeps_the_meaning() -> None:
    sif = stored_to_sif("text/vcard", EVOLUTION_CARD, SIFC)
    fields = sif_fields(sif)
    assert fields["FileAs"] == "Şebnem Ngô"
    assert fields["BusinessTelephoneNumber"] == "+48 208"
    assert fields["MobileTelephoneNumber"] == "+7 99"
    assert fields["HomeFaxNumber"] == "+1 555"
    assert fields["Email1Address"] == "s@example.org" and fields["Email3Address"] == "w@example.org"
    assert fields["HomeAddressCity"] == "東京" and fields["CompanyName"] == "Müller & Söhne KG, Berlin"
    assert fields["Categories"] == "Friends, Work"
    _, again = sif_to_stored(sif, SIFC)
    assert _meaning(again) == _meaning(EVOLUTION_CARD)


def test_a_kept_field_gives_way_when_another_client_changes_what_it_stood_for() -> None:
    sent = {"FirstName": "Anna", "LastName": "Berg", "FileAs": ""}
    stored_type, stored = sif_to_stored(sif_document("contact", sent), SIFC)
    assert b"FN:Anna Berg\r\n" in stored  # vCard needs a name to show; the empty FileAs is kept aside
    assert sif_fields(stored_to_sif(stored_type, stored, SIFC))["FileAs"] == ""
    edited = stored.replace(b"FN:Anna Berg\r\n", b"FN:Anna B.\r\n")
    assert sif_fields(stored_to_sif(stored_type, edited, SIFC))["FileAs"] == "Anna B."
