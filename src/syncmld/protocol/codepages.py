"""WBXML tag tables and public identifiers of SyncML, MetInf and DevInf documents (spec §7.3-7.6).

Data only. Each document type and version has the tables an encoder writes with: the ones libwbxml
uses, so that a 1.0/1.1 document names 1.2-only elements literally. Decoders accept the 1.2
superset for every version (the tokens never changed meaning), except DevInf token 0x1C, which
is ``Size`` up to 1.1 and ``MaxSize`` in 1.2.
"""

from collections.abc import Mapping
from dataclasses import dataclass

Pages = Mapping[int, Mapping[int, str]]
"""Code page number -> tag token -> tag name."""

SYNCML_1_1_TAGS: Mapping[int, str] = {
    0x05: "Add",
    0x06: "Alert",
    0x07: "Archive",
    0x08: "Atomic",
    0x09: "Chal",
    0x0A: "Cmd",
    0x0B: "CmdID",
    0x0C: "CmdRef",
    0x0D: "Copy",
    0x0E: "Cred",
    0x0F: "Data",
    0x10: "Delete",
    0x11: "Exec",
    0x12: "Final",
    0x13: "Get",
    0x14: "Item",
    0x15: "Lang",
    0x16: "LocName",
    0x17: "LocURI",
    0x18: "Map",
    0x19: "MapItem",
    0x1A: "Meta",
    0x1B: "MsgID",
    0x1C: "MsgRef",
    0x1D: "NoResp",
    0x1E: "NoResults",
    0x1F: "Put",
    0x20: "Replace",
    0x21: "RespURI",
    0x22: "Results",
    0x23: "Search",
    0x24: "Sequence",
    0x25: "SessionID",
    0x26: "SftDel",
    0x27: "Source",
    0x28: "SourceRef",
    0x29: "Status",
    0x2A: "Sync",
    0x2B: "SyncBody",
    0x2C: "SyncHdr",
    0x2D: "SyncML",
    0x2E: "Target",
    0x2F: "TargetRef",
    0x31: "VerDTD",
    0x32: "VerProto",
    0x33: "NumberOfChanges",
    0x34: "MoreData",
    0x39: "SourceParent",
}
"""SyncML page 0 as libwbxml writes 1.0 and 1.1 (with the ``SourceParent`` Nokia phones send)."""

SYNCML_1_2_TAGS: Mapping[int, str] = {
    **SYNCML_1_1_TAGS,
    0x35: "Field",
    0x36: "Filter",
    0x37: "Record",
    0x38: "FilterType",
    0x3A: "TargetParent",
    0x3B: "Move",
    0x3C: "Correlator",
}

METINF_1_1_TAGS: Mapping[int, str] = {
    0x05: "Anchor",
    0x06: "EMI",
    0x07: "Format",
    0x08: "FreeID",
    0x09: "FreeMem",
    0x0A: "Last",
    0x0B: "Mark",
    0x0C: "MaxMsgSize",
    0x0D: "Mem",
    0x0E: "MetInf",
    0x0F: "Next",
    0x10: "NextNonce",
    0x11: "SharedMem",
    0x12: "Size",
    0x13: "Type",
    0x14: "Version",
    0x15: "MaxObjSize",
}
"""MetInf page 1 as libwbxml writes 1.0 and 1.1."""

METINF_1_2_TAGS: Mapping[int, str] = {**METINF_1_1_TAGS, 0x16: "FieldLevel"}

DEVINF_1_1_TAGS: Mapping[int, str] = {
    0x05: "CTCap",
    0x06: "CTType",
    0x07: "DataStore",
    0x08: "DataType",
    0x09: "DevID",
    0x0A: "DevInf",
    0x0B: "DevTyp",
    0x0C: "DisplayName",
    0x0D: "DSMem",
    0x0E: "Ext",
    0x0F: "FwV",
    0x10: "HwV",
    0x11: "Man",
    0x12: "MaxGUIDSize",
    0x13: "MaxID",
    0x14: "MaxMem",
    0x15: "Mod",
    0x16: "OEM",
    0x17: "ParamName",
    0x18: "PropName",
    0x19: "Rx",
    0x1A: "Rx-Pref",
    0x1B: "SharedMem",
    0x1C: "Size",
    0x1D: "SourceRef",
    0x1E: "SwV",
    0x1F: "SyncCap",
    0x20: "SyncType",
    0x21: "Tx",
    0x22: "Tx-Pref",
    0x23: "ValEnum",
    0x24: "VerCT",
    0x25: "VerDTD",
    0x26: "XNam",
    0x27: "XVal",
    0x28: "UTC",
    0x29: "SupportNumberOfChanges",
    0x2A: "SupportLargeObjs",
}
"""DevInf page 0 as libwbxml writes 1.0 and 1.1."""

DEVINF_1_2_TAGS: Mapping[int, str] = {
    **DEVINF_1_1_TAGS,
    0x1C: "MaxSize",
    0x2B: "Property",
    0x2C: "PropParam",
    0x2D: "MaxOccur",
    0x2E: "NoTruncate",
    0x30: "Filter-Rx",
    0x31: "FilterCap",
    0x32: "FilterKeyword",
    0x33: "FieldLevel",
    0x34: "SupportHierarchicalSync",
}


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """The code pages of one document type and version, and the public id it is written with."""

    fpi: str
    public_id: int | None
    """The registered number written in the header; None writes the FPI into the string table."""
    pages: Pages
    """What an encoder writes with."""
    accepted: Pages
    """What a decoder reads: ``pages`` plus every later token."""
    is_devinf: bool


SYNCML_1_0 = Vocabulary(
    fpi="-//SYNCML//DTD SyncML 1.0//EN",
    public_id=None,
    pages={0: SYNCML_1_1_TAGS, 1: METINF_1_1_TAGS},
    accepted={0: SYNCML_1_2_TAGS, 1: METINF_1_2_TAGS},
    is_devinf=False,
)
SYNCML_1_1 = Vocabulary(
    fpi="-//SYNCML//DTD SyncML 1.1//EN",
    public_id=0x0FD3,
    pages={0: SYNCML_1_1_TAGS, 1: METINF_1_1_TAGS},
    accepted={0: SYNCML_1_2_TAGS, 1: METINF_1_2_TAGS},
    is_devinf=False,
)
SYNCML_1_2 = Vocabulary(
    fpi="-//SYNCML//DTD SyncML 1.2//EN",
    public_id=0x1201,
    pages={0: SYNCML_1_2_TAGS, 1: METINF_1_2_TAGS},
    accepted={0: SYNCML_1_2_TAGS, 1: METINF_1_2_TAGS},
    is_devinf=False,
)
DEVINF_1_0 = Vocabulary(
    fpi="-//SYNCML//DTD DevInf 1.0//EN",
    public_id=None,
    pages={0: DEVINF_1_1_TAGS},
    accepted={0: {**DEVINF_1_2_TAGS, **DEVINF_1_1_TAGS}},
    is_devinf=True,
)
DEVINF_1_1 = Vocabulary(
    fpi="-//SYNCML//DTD DevInf 1.1//EN",
    public_id=0x0FD4,
    pages={0: DEVINF_1_1_TAGS},
    accepted={0: {**DEVINF_1_2_TAGS, **DEVINF_1_1_TAGS}},
    is_devinf=True,
)
DEVINF_1_2 = Vocabulary(
    fpi="-//SYNCML//DTD DevInf 1.2//EN",
    public_id=0x1203,
    pages={0: DEVINF_1_2_TAGS},
    accepted={0: DEVINF_1_2_TAGS},
    is_devinf=True,
)

SYNCML_BY_VERSION: Mapping[str, Vocabulary] = {"1.0": SYNCML_1_0, "1.1": SYNCML_1_1, "1.2": SYNCML_1_2}
DEVINF_BY_VERSION: Mapping[str, Vocabulary] = {"1.0": DEVINF_1_0, "1.1": DEVINF_1_1, "1.2": DEVINF_1_2}

BY_PUBLIC_ID: Mapping[int, Vocabulary] = {
    0x0FD1: SYNCML_1_0,
    0x0FD2: DEVINF_1_0,
    0x0FD3: SYNCML_1_1,
    0x0FD4: DEVINF_1_1,
    0x1201: SYNCML_1_2,
    0x1203: DEVINF_1_2,
}

BY_FPI: Mapping[str, Vocabulary] = {
    "-//SYNCML//DTD SYNCML 1.0//EN": SYNCML_1_0,
    "-//SYNCML//DTD DEVINF 1.0//EN": DEVINF_1_0,
    "-//SYNCML//DTD SYNCML 1.1//EN": SYNCML_1_1,
    "-//SYNCML//DTD DEVINF 1.1//EN": DEVINF_1_1,
    "-//SYNCML//DTD SYNCML 1.2//EN": SYNCML_1_2,
    "-//SYNCML//DTD DEVINF 1.2//EN": DEVINF_1_2,
    "-//OMA//DTD SYNCML-DEVINF 1.2//EN": DEVINF_1_2,
}
"""Formal public identifiers in upper case (compare case-insensitively), with the variants seen."""
