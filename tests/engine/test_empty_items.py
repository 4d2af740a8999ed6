"""A client's item with nothing a user could see gets 400 and is not stored; the other items of the same
Sync are stored, and the log says which item was refused and why."""

import logging
from collections.abc import Callable

import pytest

from syncmld.client import Device
from syncmld.store.base import Store
from tests.engine.conftest import EMAIL, URL, vcard
from tests.engine.data_types import KINDS, SIF_TASKS, recorded_sif_items

SIF_CONTACT = recorded_sif_items("testcase_sync4j_pocketpc_contacts")[0]


def stored_count(store: Store, folder: str) -> int:
    with store.transaction() as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        found = tx.get_folder(account.id, folder)
        return tx.count_items(found.id) if found else 0


@pytest.mark.parametrize(("folder", "content_type", "good", "empty"), [
    ("contacts", "text/x-s4j-sifc", SIF_CONTACT, b"<contact/>"),
    ("tasks", "text/x-s4j-sift", SIF_TASKS[0], b"<appointment/>"),
    ("contacts", "text/x-vcard", vcard(1), b"BEGIN:VCARD\r\nEND:VCARD\r\n"),
    ("notes", "text/x-vnote", b"BEGIN:VNOTE\r\nVERSION:1.1\r\nBODY:Milch\r\nEND:VNOTE\r\n",
     b"BEGIN:VNOTE\r\nVERSION:1.1\r\nEND:VNOTE\r\n"),
], ids=["sif-contact", "sif-appointment-as-task", "vcard", "vnote"])  # fmt: skip
def test_an_empty_item_gets_400_and_is_not_stored(
    store: Store,
    new_device: Callable[..., Device],
    caplog: pytest.LogCaptureFixture,
    folder: str,
    content_type: str,
    good: bytes,
    empty: bytes,
) -> None:
    sif = content_type.startswith("text/x-s4j-")
    kind = next(kind for kind in KINDS if kind.name == folder)
    client = new_device(
        f"dev-{folder}",
        server_db=kind.sif_db if sif else folder,
        local_uri=folder,
        content_type=content_type,
        send_b64=sif,
        url=URL + ("?format=sif" if sif else ""),
    )
    client.add(good)
    blank = client.add(empty)
    with caplog.at_level(logging.WARNING, logger="syncmld.engine"):
        report = client.sync()

    assert sorted(report.codes_for("Replace")) == [201, 400]
    assert stored_count(store, folder) == 1
    (line,) = [record.getMessage() for record in caplog.records if "rejected" in record.getMessage()]
    assert line.startswith(f"item {blank} rejected: ")
    assert "nothing a user could see" in line
