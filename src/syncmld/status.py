"""SyncML status codes (OMA DS representation protocol, section on response status codes)."""

from enum import IntEnum


class StatusCode(IntEnum):
    """A SyncML status code; ``.phrase`` is its short English name."""

    phrase: str

    def __new__(cls, value: int, phrase: str) -> "StatusCode":
        member = int.__new__(cls, value)
        member._value_ = value
        member.phrase = phrase
        return member

    IN_PROGRESS = 101, "In progress"
    OK = 200, "OK"
    ITEM_ADDED = 201, "Item added"
    ACCEPTED = 202, "Accepted for processing"
    NO_CONTENT = 204, "No content"
    CONFLICT_MERGED = 207, "Conflict resolved with merge"
    CONFLICT_CLIENT_WON = 208, "Conflict resolved, client's command won"
    CONFLICT_DUPLICATE = 209, "Conflict resolved with duplicate"
    DELETE_WITHOUT_ARCHIVE = 210, "Delete without archive"
    ITEM_NOT_DELETED = 211, "Item not deleted"
    AUTH_ACCEPTED = 212, "Authentication accepted"
    CHUNK_ACCEPTED = 213, "Chunked item accepted and buffered"
    CANCELLED = 214, "Operation cancelled"
    NOT_EXECUTED = 215, "Not executed"
    BAD_REQUEST = 400, "Bad request"
    INVALID_CREDENTIALS = 401, "Invalid credentials"
    PAYMENT_REQUIRED = 402, "Payment required"
    FORBIDDEN = 403, "Forbidden"
    NOT_FOUND = 404, "Not found"
    COMMAND_NOT_ALLOWED = 405, "Command not allowed"
    OPTIONAL_FEATURE_NOT_SUPPORTED = 406, "Optional feature not supported"
    MISSING_CREDENTIALS = 407, "Missing credentials"
    REQUEST_TIMEOUT = 408, "Request timeout"
    CONFLICT = 409, "Conflict"
    GONE = 410, "Gone"
    SIZE_REQUIRED = 411, "Size required"
    INCOMPLETE_COMMAND = 412, "Incomplete command"
    ENTITY_TOO_LARGE = 413, "Request entity too large"
    URI_TOO_LONG = 414, "URI too long"
    UNSUPPORTED_MEDIA_TYPE = 415, "Unsupported media type or format"
    REQUESTED_SIZE_TOO_BIG = 416, "Requested size too big"
    RETRY_LATER = 417, "Retry later"
    ALREADY_EXISTS = 418, "Already exists"
    CONFLICT_SERVER_WON = 419, "Conflict resolved with server data"
    DEVICE_FULL = 420, "Device full"
    SIZE_MISMATCH = 424, "Size mismatch"
    PERMISSION_DENIED = 425, "Permission denied"
    MOVE_FAILED = 428, "Move failed"
    COMMAND_FAILED = 500, "Command failed"
    NOT_IMPLEMENTED = 501, "Command not implemented"
    SERVICE_UNAVAILABLE = 503, "Service unavailable"
    DTD_VERSION_NOT_SUPPORTED = 505, "DTD version not supported"
    PROCESSING_ERROR = 506, "Processing error"
    REFRESH_REQUIRED = 508, "Refresh required"
    RESUME_NOT_POSSIBLE = 509, "Reserved (resume not possible)"
    DATA_STORE_FAILURE = 510, "Data store failure"
    SERVER_FAILURE = 511, "Server failure"
    SYNC_FAILED = 512, "Synchronization failed"
    VERSION_NOT_SUPPORTED = 513, "Protocol version not supported"

    @classmethod
    def of(cls, number: int) -> "StatusCode":
        """The code ``number``, whether the protocol names it or not."""
        return cls(number)  # type: ignore[call-arg]  # with the value alone, Enum looks the member up

    @classmethod
    def _missing_(cls, value: object) -> "StatusCode | None":
        """A number the protocol gives no name (a device's own code, or a later version's): kept as it is."""
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return None
        member = int.__new__(cls, value)
        member._value_ = value
        member._name_ = f"CODE_{value}"
        member.phrase = "Unknown status"
        return member

    def is_success(self) -> bool:
        return 200 <= self.value < 300
