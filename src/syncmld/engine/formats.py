"""Which content type a device gets for a folder, and which properties it keeps.

The device's DevInf decides first (its Rx-Pref, then its other Rx types, among those the folder's kind
can be converted to), the ``format=sif|vob`` URL parameter picks a family among them (else the database
name: Funambol's SIF names), and with no DevInf the type the device sends its own items in, or the
kind's most widely read type.
"""

from dataclasses import dataclass

from syncmld.content import WRITTEN_VERSIONS, is_sif_type, media_type
from syncmld.engine.folders import FolderKind, bare_name
from syncmld.protocol.devinf import DataStore, DevInf

SIF = "sif"
VERSIT = "vob"

WIRE_TYPES: dict[FolderKind, tuple[tuple[str, str], ...]] = {
    FolderKind.CONTACTS: (
        ("text/vcard", VERSIT),
        ("text/x-vcard", VERSIT),
        ("text/directory", VERSIT),
        ("text/x-s4j-sifc", SIF),
        ("text/x-sifc", SIF),
    ),
    FolderKind.EVENTS: (
        ("text/calendar", VERSIT),
        ("text/x-vcalendar", VERSIT),
        ("text/x-s4j-sife", SIF),
        ("text/x-sife", SIF),
    ),
    FolderKind.TASKS: (
        ("text/calendar", VERSIT),
        ("text/x-vcalendar", VERSIT),
        ("text/x-s4j-sift", SIF),
        ("text/x-sift", SIF),
    ),
    FolderKind.NOTES: (
        ("text/plain", VERSIT),
        ("text/x-vnote", VERSIT),
        ("text/calendar", VERSIT),
        ("text/x-s4j-sifn", SIF),
        ("text/x-sifn", SIF),
    ),
    FolderKind.JOURNAL: (("text/calendar", VERSIT), ("text/x-vcalendar", VERSIT), ("text/plain", VERSIT)),
    FolderKind.FILES: (("application/vnd.omads-file+xml", VERSIT),),
    FolderKind.OTHER: (),
}
"""The types each kind of folder can be sent in, and their family."""

ALIASES = frozenset({"text/directory", "text/x-sifc", "text/x-sife", "text/x-sift", "text/x-sifn"})
"""Other names some clients give a type of ``WIRE_TYPES``: read and sent, but not named in our DevInf."""

DEFAULT_TYPES: dict[FolderKind, dict[str, str]] = {
    FolderKind.CONTACTS: {VERSIT: "text/x-vcard", SIF: "text/x-s4j-sifc"},
    FolderKind.EVENTS: {VERSIT: "text/x-vcalendar", SIF: "text/x-s4j-sife"},
    FolderKind.TASKS: {VERSIT: "text/x-vcalendar", SIF: "text/x-s4j-sift"},
    FolderKind.NOTES: {VERSIT: "text/plain", SIF: "text/x-s4j-sifn"},
    FolderKind.JOURNAL: {VERSIT: "text/calendar"},
    FolderKind.FILES: {VERSIT: "application/vnd.omads-file+xml"},
    FolderKind.OTHER: {},
}
"""For devices that say nothing: the type every device of that kind reads (vCard 2.1, vCalendar 1.0,
plain text), or SIF when the URL asks for it."""


SIF_DATABASES = frozenset({"scard", "scal", "stask", "snote"})
"""The database names Funambol's clients sync SIF under (``card``, ``cal``, ... being their Versit names)."""


def family_for(preference: str | None, server_uri: str) -> str | None:
    """The format preference of a data store: the URL's ``format=``, else SIF for a Funambol SIF name."""
    if preference is not None:
        return preference
    return SIF if bare_name(server_uri) in SIF_DATABASES else None


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


def choose_format(
    devinf: DevInf | None,
    client_uri: str,
    kind: FolderKind,
    preference: str | None = None,
    refused: tuple[str, ...] = (),
) -> FormatChoice:
    """The type to send a folder of ``kind`` in to a device, given its DevInf, the ``format=`` URL
    parameter (``sif``, ``vob``, ``get`` or None) and the types it has refused (415) before."""
    store = devinf.datastore(client_uri) if devinf is not None else None
    offered = [media_type(info.ct_type) for info in ((store.rx_pref, *store.rx) if store else ()) if info]
    offered = [wire for wire in dict.fromkeys(offered) if wire not in refused]
    families = dict(WIRE_TYPES[kind])
    usable = [wire for wire in offered if wire in families] if families else offered[:1]
    family = preference if preference in (SIF, VERSIT) else None
    in_family = [wire for wire in usable if families.get(wire, VERSIT) == family] if family else []
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
        usual = [DEFAULT_TYPES[kind].get(family or VERSIT), DEFAULT_TYPES[kind].get(VERSIT)]
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


def _family(wire_type: str, kind: FolderKind) -> str:
    return dict(WIRE_TYPES[kind]).get(wire_type) or (SIF if is_sif_type(wire_type) else VERSIT)


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
