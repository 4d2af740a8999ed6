"""Protocol constants: versions, MIME types, alert codes, auth and format names."""

from enum import Enum, IntEnum, StrEnum

from syncmld.errors import DecodeError
from syncmld.status import StatusCode


class SyncMLVersion(Enum):
    """A SyncML representation version, with the strings each version writes."""

    V1_0 = "1.0"
    V1_1 = "1.1"
    V1_2 = "1.2"

    @property
    def ver_proto(self) -> str:
        return f"SyncML/{self.value}"

    @property
    def namespace(self) -> str:
        return f"SYNCML:SYNCML{self.value}"

    @property
    def devinf_uri(self) -> str:
        return "./devinf" + self.value.replace(".", "")

    @classmethod
    def from_ver_dtd(cls, text: str) -> "SyncMLVersion":
        for version in cls:
            if version.value == text.strip():
                return version
        raise DecodeError(f"unsupported VerDTD {text!r}", StatusCode.VERSION_NOT_SUPPORTED)


class AlertCode(IntEnum):
    DISPLAY = 100
    TWO_WAY = 200
    SLOW_SYNC = 201
    ONE_WAY_FROM_CLIENT = 202
    REFRESH_FROM_CLIENT = 203
    ONE_WAY_FROM_SERVER = 204
    REFRESH_FROM_SERVER = 205
    TWO_WAY_BY_SERVER = 206
    ONE_WAY_FROM_CLIENT_BY_SERVER = 207
    REFRESH_FROM_CLIENT_BY_SERVER = 208
    ONE_WAY_FROM_SERVER_BY_SERVER = 209
    REFRESH_FROM_SERVER_BY_SERVER = 210
    RESULT_ALERT = 221
    NEXT_MESSAGE = 222
    NO_END_OF_DATA = 223
    SUSPEND = 224
    RESUME = 225
    ONE_WAY_FROM_CLIENT_NO_SLOW = 250
    """Funambol's extension for media uploads: one-way from client that is never turned into a slow sync."""

    @classmethod
    def _missing_(cls, value: object) -> "AlertCode | None":
        """A number the protocol gives no name (a device's own alert): kept as it is."""
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return None
        member = int.__new__(cls, value)
        member._value_ = value
        member._name_ = f"CODE_{value}"
        return member


MIME_SYNCML_XML = "application/vnd.syncml+xml"
MIME_SYNCML_WBXML = "application/vnd.syncml+wbxml"
MIME_DEVINF_XML = "application/vnd.syncml-devinf+xml"
MIME_DEVINF_WBXML = "application/vnd.syncml-devinf+wbxml"


class AuthType(StrEnum):
    """A SyncML authentication type, as Cred and Chal name it."""

    BASIC = "syncml:auth-basic"
    MD5 = "syncml:auth-md5"
    MAC = "syncml:auth-MAC"
    """HMAC over the message body, carried in the x-syncml-hmac transport header instead of Cred."""


AUTH_BASIC, AUTH_MD5, AUTH_MAC = AuthType.BASIC, AuthType.MD5, AuthType.MAC
"""The short names of the authentication types."""

FORMAT_B64 = "b64"
FORMAT_CHR = "chr"
FORMAT_BIN = "bin"

NS_METINF = "syncml:metinf"
NS_DEVINF = "syncml:devinf"
