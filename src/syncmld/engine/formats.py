"""Which content type a device gets for a folder, and which properties it keeps.

The device's DevInf decides first (its Rx-Pref, then its other Rx types, among those the folder's kind
can be converted to), the ``format=sif|vob`` URL parameter picks a family among them (else the database
name: Funambol's SIF names), and with no DevInf the type the device sends its own items in, or the
kind's most widely read type.
"""

from dataclasses import dataclass
from enum import StrEnum

from syncmld.content import WRITTEN_VERSIONS, is_sif_type, media_type
from syncmld.content.email import EMAIL_TYPE, RFC822_TYPE
from syncmld.engine.folders import FolderKind, bare_name
from syncmld.engine.params import FormatParam
from syncmld.protocol.constants import SyncMLVersion
from syncmld.protocol.devinf import DataStore, DevInf
from syncmld.protocol.encoder import Encoding


class Family(StrEnum):
    """A family of types: Funambol's SIF documents, or the Versit ones (vCard, vCalendar, iCalendar, vNote)."""

    SIF = "sif"
    VERSIT = "vob"


FAMILY_PARAMS = {FormatParam.SIF: Family.SIF, FormatParam.VOB: Family.VERSIT}
"""The family each ``format=`` value asks for (``get`` asks for none)."""

WIRE_TYPES: dict[FolderKind, tuple[tuple[str, Family], ...]] = {
    FolderKind.CONTACTS: (
        ("text/vcard", Family.VERSIT),
        ("text/x-vcard", Family.VERSIT),
        ("text/directory", Family.VERSIT),
        ("text/x-s4j-sifc", Family.SIF),
        ("text/x-sifc", Family.SIF),
    ),
    FolderKind.EVENTS: (
        ("text/calendar", Family.VERSIT),
        ("text/x-vcalendar", Family.VERSIT),
        ("text/x-s4j-sife", Family.SIF),
        ("text/x-sife", Family.SIF),
    ),
    FolderKind.TASKS: (
        ("text/calendar", Family.VERSIT),
        ("text/x-vcalendar", Family.VERSIT),
        ("text/x-s4j-sift", Family.SIF),
        ("text/x-sift", Family.SIF),
    ),
    FolderKind.NOTES: (
        ("text/plain", Family.VERSIT),
        ("text/x-vnote", Family.VERSIT),
        ("text/calendar", Family.VERSIT),
        ("text/x-s4j-sifn", Family.SIF),
        ("text/x-sifn", Family.SIF),
    ),
    FolderKind.JOURNAL: (
        ("text/calendar", Family.VERSIT),
        ("text/x-vcalendar", Family.VERSIT),
        ("text/plain", Family.VERSIT),
    ),
    FolderKind.FILES: (("application/vnd.omads-file+xml", Family.VERSIT),),
    FolderKind.MAIL: ((EMAIL_TYPE, Family.VERSIT), (RFC822_TYPE, Family.VERSIT)),
    FolderKind.OUTBOX: ((EMAIL_TYPE, Family.VERSIT), (RFC822_TYPE, Family.VERSIT)),
    FolderKind.OTHER: (),
}
"""The types each kind of folder can be sent in, and their family."""

ALIASES = frozenset({"text/directory", "text/x-sifc", "text/x-sife", "text/x-sift", "text/x-sifn"})
"""Other names some clients give a type of ``WIRE_TYPES``: read and sent, but not named in our DevInf."""

DEFAULT_TYPES: dict[FolderKind, dict[Family, str]] = {
    FolderKind.CONTACTS: {Family.VERSIT: "text/x-vcard", Family.SIF: "text/x-s4j-sifc"},
    FolderKind.EVENTS: {Family.VERSIT: "text/x-vcalendar", Family.SIF: "text/x-s4j-sife"},
    FolderKind.TASKS: {Family.VERSIT: "text/x-vcalendar", Family.SIF: "text/x-s4j-sift"},
    FolderKind.NOTES: {Family.VERSIT: "text/plain", Family.SIF: "text/x-s4j-sifn"},
    FolderKind.JOURNAL: {Family.VERSIT: "text/calendar"},
    FolderKind.FILES: {Family.VERSIT: "application/vnd.omads-file+xml"},
    FolderKind.MAIL: {Family.VERSIT: EMAIL_TYPE},
    FolderKind.OUTBOX: {Family.VERSIT: EMAIL_TYPE},
    FolderKind.OTHER: {},
}
"""For devices that say nothing: the type every device of that kind reads (vCard 2.1, vCalendar 1.0,
plain text), or SIF when the URL asks for it."""


SIF_DATABASES = frozenset({"scard", "scal", "stask", "snote"})
"""The database names Funambol's clients sync SIF under (``card``, ``cal``, ... being their Versit names)."""


def family_for(preference: FormatParam | None, server_uri: str) -> Family | None:
    """The family a data store asks for: the URL's ``format=``, else SIF for a Funambol SIF name."""
    if preference is not None:
        return FAMILY_PARAMS.get(preference)
    return Family.SIF if bare_name(server_uri) in SIF_DATABASES else None


@dataclass(frozen=True)
class FormatChoice:
    wire_type: str
    """The type items are sent in; "" sends each item in the type it is stored in."""
    properties: list[str] | None
    """The property names the device's CTCap lists for that type (None: no CTCap, it keeps everything)."""
    reason: str
    from_device: bool = False
    """Chosen among the types the device's DevInf names (else a guess the items it sends may correct)."""
    others: tuple[str, ...] = ()
    """The other types the device's DevInf names for this store that we can write, those of the chosen
    type's family first: an item the chosen type cannot carry (a task for a SIF-E calendar) may go in one."""


UNKNOWN_FOLDER_RECORD = "(unknown)/"
"""The folder name under which a device's last Alert for a database the account does not have is
recorded (no folder can be called so)."""


def refused_types_key(device_id: int, folder_id: int) -> str:
    """The stored setting listing, comma-separated, the types a device refused (415) for a folder."""
    return f"refused-types:{device_id}:{folder_id}"


def choose_format(
    devinf: DevInf | None,
    client_uri: str,
    kind: FolderKind,
    family: Family | None = None,
    refused: tuple[str, ...] = (),
) -> FormatChoice:
    """The type to send a folder of ``kind`` in to a device, given its DevInf, the family asked for
    (``family_for``) and the types it has refused (415) before."""
    store = devinf.datastore(client_uri) if devinf is not None else None
    offered = [media_type(info.ct_type) for info in ((store.rx_pref, *store.rx) if store else ()) if info]
    offered = [wire for wire in dict.fromkeys(offered) if wire not in refused]
    families = dict(WIRE_TYPES[kind])
    usable = [wire for wire in offered if wire in families] if families else offered[:1]
    in_family = [wire for wire in usable if families.get(wire, Family.VERSIT) == family] if family else []
    if in_family:
        wire_type, reason = in_family[0], f"format={family} asked in the URL, the device takes it"
    elif usable:
        wire_type = usable[0]
        reason = (
            "the device's preferred type"
            if store and store.rx_pref and media_type(store.rx_pref.ct_type) == wire_type
            else "a type the device takes"
        )
        if family:
            reason += f" (format={family} asked, but the device takes none of that family)"
    else:
        usual = [DEFAULT_TYPES[kind].get(family or Family.VERSIT), DEFAULT_TYPES[kind].get(Family.VERSIT)]
        wire_type = next((wire for wire in usual if wire and wire not in refused), "") or next(
            (wire for wire, _ in WIRE_TYPES[kind] if wire not in refused), ""
        )
        reason = (
            "the device names no type it takes for this folder: the usual one"
            if devinf is not None
            else "no DevInf: the usual one"
        )
    chosen = _family(wire_type, kind)
    known = [wire for wire in offered if wire != wire_type and wire in WRITTEN_VERSIONS]
    others = sorted(known, key=lambda wire: _family(wire, kind) != chosen)
    return FormatChoice(
        wire_type, _properties(devinf, store, wire_type), reason, from_device=bool(usable), others=tuple(others)
    )


def _family(wire_type: str, kind: FolderKind) -> Family:
    return dict(WIRE_TYPES[kind]).get(wire_type) or (Family.SIF if is_sif_type(wire_type) else Family.VERSIT)


def _properties(devinf: DevInf | None, store: DataStore | None, wire_type: str) -> list[str] | None:
    if devinf is None or not wire_type:
        return None
    store_caps = store.ctcaps if store is not None else ()
    caps = [cap for cap in (*store_caps, *devinf.ctcaps) if media_type(cap.ct_type) == wire_type]
    names = sorted({prop.name.upper() for cap in caps for prop in cap.properties})
    return names or None


def adopts_sent_type(kind: FolderKind, sent_type: str) -> bool:
    """Whether a device without DevInf that sends items in ``sent_type`` should get that type back."""
    return media_type(sent_type) in dict(WIRE_TYPES[kind])


def used_format(wire_type: str, encoding: Encoding, version: SyncMLVersion) -> str:
    """What a folder's sync used, as the device's last sync records it: the type its items went in (with the
    version we write of it), XML or WBXML, the SyncML version; e.g. ``text/x-vcard 2.1, WBXML, SyncML 1.2``."""
    shown_type = f"{wire_type} {WRITTEN_VERSIONS.get(wire_type, '')}".strip() or "each item in its own type"
    return f"{shown_type}, {encoding.name}, SyncML {version.value}"
