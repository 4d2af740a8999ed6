"""Which content type a device gets for a folder, and which properties it keeps."""

from syncmld.protocol.devinf import DevInf

VCARD_TYPES = ("text/vcard", "text/x-vcard")
DEFAULT_CONTACT_TYPE = "text/x-vcard"
"""For devices that send no DevInf: vCard 2.1, which every contact-syncing device reads."""


def choose_format(devinf: DevInf | None, client_uri: str) -> tuple[str, list[str] | None]:
    """The type to send (the device's preferred vCard type) and the property names its CTCap lists
    for that type (None: no CTCap, so assume it keeps everything)."""
    store = devinf.datastore(client_uri) if devinf is not None else None
    wire_type = DEFAULT_CONTACT_TYPE
    if store is not None:
        offered = [info.ct_type.lower() for info in (store.rx_pref, *store.rx) if info is not None]
        wire_type = next((ct for ct in offered if ct in VCARD_TYPES), DEFAULT_CONTACT_TYPE)
    if devinf is None:
        return wire_type, None
    caps = [cap for cap in (*(store.ctcaps if store else ()), *devinf.ctcaps)
            if cap.ct_type.lower() == wire_type]
    names = sorted({prop.name.upper() for cap in caps for prop in cap.properties})
    return wire_type, names or None
