"""What the items' indexes hold: the item's own UID (``items.uid``) as the content layer reads it, and the key of
its slow-sync identity (``items.identity``)."""

import hashlib

from syncmld import content

MAX_INDEXED_UID = 1000
"""UTF-8 bytes of the longest value an index holds as it is; a longer one (or one with a control character)
is held as its digest: a PostgreSQL index entry holds at most about 2,700 bytes, and text no NUL."""
_DIGEST = "sha256:"


def uid_key(uid: str) -> str:
    """The index entry of ``uid`` (or of an identity's name): itself, or its digest."""
    encoded = uid.encode("utf-8", "surrogatepass")
    if len(encoded) <= MAX_INDEXED_UID and uid.isprintable():
        return uid
    return _DIGEST + hashlib.sha256(encoded).hexdigest()


def identity_key(identity: content.Identity) -> str:
    """The index entry of an item's slow-sync identity: its name's (the contact points are compared by reading)."""
    return uid_key(identity.name)


def indexed_uid(content_type: str, data: bytes) -> str | None:
    """The index entry of a stored item: its own UID's, None when it has none."""
    uid = content.read(content_type, data).uid
    return None if uid is None else uid_key(uid)
