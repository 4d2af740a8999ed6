"""What every content kind shares: media type names and the identity used for slow-sync matching."""

from dataclasses import dataclass


def media_type(content_type: str) -> str:
    """``text/x-vCard; charset=UTF-8`` -> ``text/x-vcard``."""
    return content_type.split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class Identity:
    """What tells that two stored items are the same object, for matching in a slow sync."""

    name: str
    """Normalised name (contacts), UID or summary and start (calendar), or the whole normal form."""
    contact_points: frozenset[str] = frozenset()
    """Phone numbers (last 9 digits) and e-mail addresses (lower-cased) of a contact."""
