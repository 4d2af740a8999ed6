"""The server's own DevInf: what it stores and which properties it keeps (all of them).

Each store names the types ``formats.WIRE_TYPES`` sends its kind of folder in, each with the version
the content converters write it in (``content.WRITTEN_VERSIONS``), so the DevInf says what items are.
"""

from functools import lru_cache

from syncmld import __version__
from syncmld.content import CONTACT_PROPERTIES, WRITTEN_VERSIONS
from syncmld.content.contacts import VCARD_TYPES
from syncmld.content.files import FOLDER_TYPE
from syncmld.engine.folders import FolderKind
from syncmld.engine.formats import ALIASES, WIRE_TYPES
from syncmld.protocol.constants import SyncMLVersion
from syncmld.protocol.devinf import ContentTypeInfo, CTCap, CTProperty, DataStore, DevInf

SYNC_TYPES = (1, 2, 3, 4, 5, 6, 7)

STORES: tuple[tuple[FolderKind, str], ...] = (
    (FolderKind.CONTACTS, "Contacts"),
    (FolderKind.EVENTS, "Calendar"),
    (FolderKind.TASKS, "Tasks"),
    (FolderKind.NOTES, "Notes"),
    (FolderKind.JOURNAL, "Journal"),
    (FolderKind.FILES, "Files"),
    (FolderKind.MAIL, "Mail"),
)
"""Each standard folder (its kind is its source ref) and its display name. Only contacts carry a CTCap: a device
that finds none for a type sends every property it has."""

STORED_AS_SENT: dict[FolderKind, tuple[str, ...]] = {FolderKind.FILES: (FOLDER_TYPE,)}
"""Types a kind of folder also holds and sends as they came (a files folder holds folders)."""


def _store_types(kind: FolderKind) -> tuple[ContentTypeInfo, ...]:
    """The types a standard folder of ``kind`` takes and sends, the preferred one first."""
    names = [wire for wire, _ in WIRE_TYPES[kind] if wire not in ALIASES]
    return tuple(ContentTypeInfo(name, WRITTEN_VERSIONS[name]) for name in (*names, *STORED_AS_SENT.get(kind, ())))


def _vcard_ctcap(info: ContentTypeInfo) -> CTCap:
    return CTCap(info.ct_type, info.ver_ct, properties=tuple(CTProperty(name) for name in CONTACT_PROPERTIES))


@lru_cache(maxsize=8)
def server_devinf(version: SyncMLVersion, server_id: str) -> DevInf:
    """The DevInf document the server sends in answer to a Get (or with its Put): one object per version and
    server identity, so that the writers' caches of its encoded form find it at once."""
    hierarchical = version == SyncMLVersion.V1_2
    datastores = []
    for kind, name in STORES:
        preferred, *others = _store_types(kind)
        vcards = [info for info in (preferred, *others) if info.ct_type in VCARD_TYPES]
        datastores.append(
            DataStore(
                source_ref=kind.value,
                display_name=name,
                rx_pref=preferred,
                rx=tuple(others),
                tx_pref=preferred,
                tx=tuple(others),
                ctcaps=tuple(_vcard_ctcap(info) for info in vcards),
                sync_types=SYNC_TYPES,
                support_hierarchical_sync=hierarchical and kind == FolderKind.FILES,
            )
        )
    return DevInf(
        ver_dtd=version.value,
        dev_id=server_id,
        dev_typ="server",
        man="syncmld",
        mod="syncmld",
        sw_v=__version__,
        fw_v="-",
        hw_v="-",
        utc=True,
        support_large_objs=version != SyncMLVersion.V1_0,
        support_number_of_changes=version != SyncMLVersion.V1_0,
        datastores=tuple(datastores),
    )
