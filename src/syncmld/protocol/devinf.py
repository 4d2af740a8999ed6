"""Device information (DevInf) model: what a device says it is and which formats each store takes."""

from dataclasses import field

from syncmld.records import record


@record
class ContentTypeInfo:
    """A CTType/VerCT pair as used in Rx, Tx, Rx-Pref and Tx-Pref."""

    ct_type: str
    ver_ct: str = ""


@record
class CTParam:
    name: str
    data_type: str | None = None
    val_enums: tuple[str, ...] = ()
    display_name: str | None = None


@record
class CTProperty:
    name: str
    data_type: str | None = None
    max_occur: int | None = None
    max_size: int | None = None
    no_truncate: bool = False
    val_enums: tuple[str, ...] = ()
    display_name: str | None = None
    params: tuple[CTParam, ...] = ()


@record
class CTCap:
    """Capabilities for one content type: the properties (and their parameters) a device keeps."""

    ct_type: str
    ver_ct: str = ""
    field_level: bool = False
    properties: tuple[CTProperty, ...] = ()


@record
class DSMem:
    shared_mem: bool = False
    max_mem: int | None = None
    max_id: int | None = None


@record
class DataStore:
    source_ref: str
    display_name: str | None = None
    max_guid_size: int | None = None
    rx_pref: ContentTypeInfo | None = None
    rx: tuple[ContentTypeInfo, ...] = ()
    tx_pref: ContentTypeInfo | None = None
    tx: tuple[ContentTypeInfo, ...] = ()
    ctcaps: tuple[CTCap, ...] = ()
    dsmem: DSMem | None = None
    support_hierarchical_sync: bool = False
    sync_types: tuple[int, ...] = ()


@record
class Ext:
    xnam: str
    xvals: tuple[str, ...] = ()


@record
class DevInf:
    """A whole DevInf document.

    ``ctcaps`` holds DevInf-level CTCaps (SyncML 1.0/1.1 style); 1.2 puts them in each DataStore.
    """

    ver_dtd: str
    dev_id: str
    dev_typ: str
    man: str | None = None
    mod: str | None = None
    oem: str | None = None
    fw_v: str | None = None
    sw_v: str | None = None
    hw_v: str | None = None
    utc: bool = False
    support_large_objs: bool = False
    support_number_of_changes: bool = False
    datastores: tuple[DataStore, ...] = ()
    ctcaps: tuple[CTCap, ...] = ()
    exts: tuple[Ext, ...] = field(default_factory=tuple)

    def all_ctcaps(self) -> tuple[CTCap, ...]:
        """Every CTCap, wherever the document's version put it."""
        nested = tuple(cap for store in self.datastores for cap in store.ctcaps)
        return self.ctcaps + nested

    def datastore(self, source_ref: str) -> DataStore | None:
        """The data store the device calls ``source_ref`` (``./`` prefix and case ignored)."""
        wanted = _normalise_ref(source_ref)
        for store in self.datastores:
            if _normalise_ref(store.source_ref) == wanted:
                return store
        return None


def _normalise_ref(ref: str) -> str:
    ref = ref.strip()
    if ref.startswith("./"):
        ref = ref[2:]
    return ref.lower()
