"""The server's own DevInf: what it stores and which properties it keeps (all of them)."""

from syncmld import __version__
from syncmld.content import CONTACT_PROPERTIES
from syncmld.protocol.devinf import ContentTypeInfo, CTCap, CTProperty, DataStore, DevInf

VCARD_30 = ContentTypeInfo("text/vcard", "3.0")
VCARD_21 = ContentTypeInfo("text/x-vcard", "2.1")
ICALENDAR = ContentTypeInfo("text/calendar", "2.0")
VCALENDAR = ContentTypeInfo("text/x-vcalendar", "1.0")
PLAIN_NOTE = ContentTypeInfo("text/plain", "1.0")
VNOTE = ContentTypeInfo("text/x-vnote", "1.1")
FILE = ContentTypeInfo("application/vnd.omads-file+xml", "1.2")
FOLDER = ContentTypeInfo("application/vnd.omads-folder+xml", "1.2")


def _sif(kind: str) -> ContentTypeInfo:
    return ContentTypeInfo(f"text/x-s4j-sif{kind}", "1.0")


SYNC_TYPES = (1, 2, 3, 4, 5, 6, 7)

STORES: tuple[tuple[str, str, ContentTypeInfo, tuple[ContentTypeInfo, ...]], ...] = (
    ("contacts", "Contacts", VCARD_30, (VCARD_21, _sif("c"))),
    ("events", "Calendar", ICALENDAR, (VCALENDAR, _sif("e"))),
    ("tasks", "Tasks", ICALENDAR, (VCALENDAR, _sif("t"))),
    ("notes", "Notes", PLAIN_NOTE, (VNOTE, ICALENDAR, _sif("n"))),
    ("journal", "Journal", ICALENDAR, (VCALENDAR, PLAIN_NOTE)),
    ("files", "Files", FILE, (FOLDER,)),
)
"""Source ref, display name, preferred type and the other types of each standard folder. Only contacts
carry a CTCap: a device that finds none for a type sends every property it has."""


def _vcard_ctcap(info: ContentTypeInfo) -> CTCap:
    return CTCap(info.ct_type, info.ver_ct, properties=tuple(CTProperty(name) for name in CONTACT_PROPERTIES))


def server_devinf(version: str, server_id: str) -> DevInf:
    """The DevInf document the server sends in answer to a Get (or with its Put)."""
    hierarchical = version == "1.2"
    datastores = tuple(
        DataStore(
            source_ref=ref, display_name=name, rx_pref=preferred, rx=others, tx_pref=preferred, tx=others,
            ctcaps=(_vcard_ctcap(VCARD_30), _vcard_ctcap(VCARD_21)) if ref == "contacts" else (),
            sync_types=SYNC_TYPES, support_hierarchical_sync=hierarchical and ref == "files",
        )
        for ref, name, preferred, others in STORES
    )
    return DevInf(
        ver_dtd=version,
        dev_id=server_id,
        dev_typ="server",
        man="syncmld",
        mod="syncmld",
        sw_v=__version__,
        fw_v="-",
        hw_v="-",
        utc=True,
        support_large_objs=version != "1.0",
        support_number_of_changes=version != "1.0",
        datastores=datastores,
    )
