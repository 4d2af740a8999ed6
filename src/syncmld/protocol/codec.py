"""Entry points of the wire layer: bytes <-> SyncML messages in the client's encoding."""

from dataclasses import dataclass
from enum import Enum

from syncmld.protocol.constants import MIME_SYNCML_WBXML, MIME_SYNCML_XML
from syncmld.protocol.messages import SyncML


class Encoding(Enum):
    XML = MIME_SYNCML_XML
    WBXML = MIME_SYNCML_WBXML

    @property
    def content_type(self) -> str:
        return self.value


@dataclass(frozen=True)
class Decoded:
    message: SyncML
    encoding: Encoding
