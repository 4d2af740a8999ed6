"""What the DAV tests send and read: accounts, request bodies, multistatus answers."""

from dataclasses import dataclass

from lxml import etree

ALICE = "alice@example.org"
BOB = "bob@example.org"
PASSWORD = "correct horse"
BASE_URL = "http://testserver"
HOME = f"/dav/{ALICE}/"
CONTACTS = f"{HOME}contacts/"
EVENTS = f"{HOME}events/"
TASKS = f"{HOME}tasks/"
NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav", "card": "urn:ietf:params:xml:ns:carddav"}


def propfind(*props: str) -> bytes:
    """A PROPFIND body asking for ``props`` (``d:getetag``, ``card:addressbook-home-set``...)."""
    names = "".join(f"<{prop}/>" for prop in props)
    return (
        '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" '
        'xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/">'
        f"<d:prop>{names}</d:prop></d:propfind>"
    ).encode()


def sync_collection(token: str = "", *props: str) -> bytes:
    names = "".join(f"<{prop}/>" for prop in (props or ("d:getetag",)))
    return (
        '<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" '
        f'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>'
        f"<d:prop>{names}</d:prop></d:sync-collection>"
    ).encode()


def multiget(kind: str, hrefs: list[str]) -> bytes:
    """An addressbook-multiget (``kind`` "card") or calendar-multiget ("c") of ``hrefs``."""
    report = "addressbook-multiget" if kind == "card" else "calendar-multiget"
    data = "card:address-data" if kind == "card" else "c:calendar-data"
    listed = "".join(f"<d:href>{href}</d:href>" for href in hrefs)
    return (
        f'<?xml version="1.0"?><{kind}:{report} xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" '
        f'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><{data}/></d:prop>{listed}</{kind}:{report}>'
    ).encode()


@dataclass(frozen=True)
class Answer:
    """One ``response`` of a multistatus."""

    href: str
    status: int | None
    """The response's own status (a deleted or missing resource), None when it has propstats."""
    props: dict[str, str]
    """Found properties: ``{namespace}name`` -> their text (child elements' tags for ``resourcetype``)."""
    missing: tuple[str, ...] = ()


def answers(body: bytes) -> list[Answer]:
    root = etree.fromstring(body)
    found = []
    for response in root.findall("d:response", NS):
        href = response.findtext("d:href", namespaces=NS) or ""
        status = response.findtext("d:status", namespaces=NS)
        props: dict[str, str] = {}
        missing: list[str] = []
        for stat in response.findall("d:propstat", NS):
            ok = " 200 " in (stat.findtext("d:status", namespaces=NS) or "")
            holder = stat.find("d:prop", NS)
            for prop in holder if holder is not None else []:
                if ok:
                    props[str(prop.tag)] = prop.text or " ".join(str(child.tag) for child in prop)
                else:
                    missing.append(str(prop.tag))
        found.append(Answer(href, int(status.split()[1]) if status else None, props, tuple(missing)))
    return found


def sync_token_of(body: bytes) -> str:
    return etree.fromstring(body).findtext("d:sync-token", namespaces=NS) or ""


def vcard(name: str, uid: str | None = None, extra: str = "") -> bytes:
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{name}", f"N:{name};;;;"]
    if uid is not None:
        lines.append(f"UID:{uid}")
    if extra:
        lines.append(extra)
    lines.append("END:VCARD")
    return ("\r\n".join(lines) + "\r\n").encode()
