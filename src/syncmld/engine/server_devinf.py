"""The server's own DevInf: what it stores and which properties it keeps (all of them)."""

from syncmld import __version__
from syncmld.content import CONTACT_PROPERTIES
from syncmld.protocol.devinf import ContentTypeInfo, CTCap, CTProperty, DataStore, DevInf

VCARD_30 = ContentTypeInfo("text/vcard", "3.0")
VCARD_21 = ContentTypeInfo("text/x-vcard", "2.1")

SYNC_TYPES = (1, 2, 3, 4, 5, 6, 7)


def _vcard_ctcap(info: ContentTypeInfo) -> CTCap:
    return CTCap(info.ct_type, info.ver_ct, properties=tuple(CTProperty(name) for name in CONTACT_PROPERTIES))


def server_devinf(version: str, server_id: str) -> DevInf:
    """The DevInf document the server sends in answer to a Get (or with its Put)."""
    contacts = DataStore(
        source_ref="contacts",
        display_name="Contacts",
        rx_pref=VCARD_30,
        rx=(VCARD_21,),
        tx_pref=VCARD_30,
        tx=(VCARD_21,),
        ctcaps=(_vcard_ctcap(VCARD_30), _vcard_ctcap(VCARD_21)),
        sync_types=SYNC_TYPES,
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
        datastores=(contacts,),
    )
