"""The SIF acceptance scenarios (issue 4, acceptance 3), run in process and over HTTP: a SIF client
(Funambol style: SIF base64 with Format b64) and two Versit devices of the same account."""

from collections.abc import Callable

from syncmld.client import Device
from tests.engine.data_types import (
    Kind,
    devinf,
    keep_only,
    label,
    meaning,
    meanings,
    replace_property,
    sif_fields,
)

EDITS: dict[str, tuple[str, str]] = {
    "contacts": ("TEL", "TEL;TYPE=WORK:+49 521 999 000"),
    "events": ("SUMMARY", "SUMMARY:Sitzung verschoben"),
    "tasks": ("STATUS", "STATUS:COMPLETED"),
}
"""The property each Versit edit changes (notes are plain text: their text is edited)."""
EDITED_ITEM = {"contacts": "Server1c1", "events": "client1", "tasks": "Steuererklärung abgeben", "notes": "client2"}
"""The item each edit changes, by what a person calls it."""
CHANGED_FIELDS = {
    "contacts": {"BusinessTelephoneNumber"},
    "events": {"Subject"},
    "tasks": {"Complete", "DateCompleted", "Status", "PercentComplete"},
    "notes": {"Body"},
}
"""The SIF fields each edit changes: the SIF client must get every other field it sent back as it was."""


def unchanged_fields(kind: Kind, document: bytes) -> dict[str, str]:
    """The SIF fields with a value, but those the edit changes and the version."""
    return {
        name: value
        for name, value in sif_fields(document).items()
        if value and name not in CHANGED_FIELDS[kind.name] | {"SIFVersion"}
    }


def sif_client(new_device: Callable[..., Device], kind: Kind, url: str) -> Device:
    return new_device(
        f"fwm-{kind.name}",
        server_db=kind.sif_db,
        local_uri=kind.name,
        content_type=kind.sif_type,
        send_b64=True,
        url=url + "?format=sif",
    )


def modern_device(new_device: Callable[..., Device], kind: Kind) -> Device:
    device_id = f"IMEI:modern-{kind.name}"
    return new_device(
        device_id,
        server_db=kind.versit_db,
        local_uri=f"./{kind.name}",
        content_type=kind.modern_type,
        devinf=devinf(device_id, f"./{kind.name}", kind.modern_type, kind.modern_version, kind.modern_keeps),
    )


def old_device(new_device: Callable[..., Device], kind: Kind) -> Device:
    device_id = f"IMEI:old-{kind.name}"
    info = devinf(device_id, f"./{kind.name}", kind.old_type, kind.old_version) if kind.old_has_devinf else None
    return new_device(
        device_id, server_db=kind.versit_db.lower(), local_uri=f"./{kind.name}", content_type=kind.old_type, devinf=info
    )


def edited(kind: Kind, data: bytes) -> bytes:
    """The item as the modern device writes it back after its user's edit."""
    if kind.name == "notes":
        return data.replace(b"\r\n", b"\n").rstrip(b"\n") + b" - nachgetragen" + b"\n"
    name, line = EDITS[kind.name]
    data = replace_property(keep_only(data, kind.modern_keeps), name, line)
    if kind.name == "tasks":
        data = replace_property(data, "COMPLETED", "COMPLETED:20070112T090000Z")
    return data


def sif_and_versit_devices_share(new_device: Callable[..., Device], kind: Kind, url: str) -> None:
    """The SIF client puts the kind's items on the server; both Versit devices get them, meaning the same."""
    sif = sif_client(new_device, kind, url)
    for document in kind.items():
        sif.add(document)
    report = sif.sync()
    assert report.alerted_mode == 201 and set(report.codes_for("Replace")) == {201}
    sent = meanings(kind.name, sif.items, kind.sif_type)

    for device, content_type in (
        (modern_device(new_device, kind), kind.modern_type),
        (old_device(new_device, kind), kind.old_type),
    ):
        assert device.sync().received["add"] == len(sif.items)
        assert {device.type_of(luid) for luid in device.items} == {content_type}
        assert meanings(kind.name, device.items, content_type) == sent


def versit_edit_reaches_the_sif_client(new_device: Callable[..., Device], kind: Kind, url: str) -> None:
    """The modern device edits one item, keeping only what its CTCap lists; the SIF client gets the edit
    in SIF with every other field it sent, and the old device gets it too."""
    sif = sif_client(new_device, kind, url)
    for document in kind.items():
        sif.add(document)
    sif.sync()
    before = dict(sif.items)
    modern, old = modern_device(new_device, kind), old_device(new_device, kind)
    modern.sync()
    old.sync()

    luid = next(
        luid
        for luid, data in modern.items.items()
        if label(meaning(kind.name, kind.modern_type, data)) == EDITED_ITEM[kind.name]
    )
    modern.replace(luid, edited(kind, modern.items[luid]))
    assert modern.sync().codes_for("Replace") == [200]
    expected = meaning(kind.name, kind.modern_type, modern.items[luid])

    assert sif.sync().received == {"add": 0, "replace": 1, "delete": 0}
    changed = [sif_luid for sif_luid, data in sif.items.items() if data != before[sif_luid]]
    assert len(changed) == 1
    (sif_luid,) = changed
    assert sif.type_of(sif_luid) == kind.sif_type
    assert meaning(kind.name, kind.sif_type, sif.items[sif_luid]) == expected
    sent_fields, now = unchanged_fields(kind, before[sif_luid]), sif_fields(sif.items[sif_luid])
    assert {name: now.get(name) for name in sent_fields} == sent_fields

    assert old.sync().received["replace"] == 1
    assert expected in meanings(kind.name, old.items, kind.old_type)
