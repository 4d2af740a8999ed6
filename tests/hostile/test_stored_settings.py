"""A stored setting the server cannot use (written into the database by hand, or by another tool) is
never replaced by its default: a message that needs it is answered 500 with nothing applied and one
ERROR line naming the setting and how to set it again; the background sweep says so and goes on."""

import logging
import time
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from syncmld.config import ServerConfig
from syncmld.server import create_app
from syncmld.store.base import Store
from tests.hostile.test_session_expiry import TWO_DAYS, age_sessions, session_count
from tests.hostile.wire import (
    ALICE,
    XML,
    alert,
    assert_plain_refusal,
    basic_cred,
    item_command,
    items_of,
    message,
    server_messages,
    store_rows,
    sync,
    vcard,
)

FIRST_SYNC = message(
    alert(1, 201) + sync(2, item_command("Add", 3, "a1", vcard("Anna"))), device="alice-phone", cred=basic_cred(ALICE)
)
"""Alice's phone logs in and sends a contact, all in one message."""


def set_setting(store: Store, key: str, value: str) -> None:
    with store.transaction() as tx:
        tx.set_setting(key, value)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("key", "value", "usable"),
    [
        ("syncml", "Off", "on"),
        ("auth", "MD5", "any"),
        (f"conflict:{ALICE}", "sever-wins", "merge"),
    ],
)
async def test_a_message_that_needs_an_unusable_setting_is_500_and_applies_nothing(
    client: httpx.AsyncClient,
    store: Store,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    key: str,
    value: str,
    usable: str,
) -> None:
    set_setting(store, key, value)
    before = store_rows(tmp_path)
    with caplog.at_level(logging.INFO, logger="syncmld"):
        answered = await client.post("/syncml", content=FIRST_SYNC, headers={"Content-Type": XML})
    assert_plain_refusal(answered, 500)
    assert answered.text == "internal server error; see the server log\n"
    assert store_rows(tmp_path) == before
    assert items_of(store, ALICE) == {}
    name = key.partition(":")[0]
    [logged] = [record for record in caplog.records if record.name == "syncmld.server.app"]
    assert logged.levelno == logging.ERROR and logged.exc_info is None
    assert logged.getMessage().startswith(
        f"failed to answer a message from 127.0.0.1: the stored setting {key} is unusable: '{value}' is not "
    )
    assert f"set it again with syncmld config set {name} VALUE" in logged.getMessage()

    set_setting(store, key, usable)
    answered = await client.post("/syncml", content=FIRST_SYNC, headers={"Content-Type": XML})
    assert answered.status_code == 200, "once set again, the same message is answered"
    assert len(items_of(store, ALICE)) == 1


def test_the_background_sweep_logs_an_unusable_setting_and_goes_on(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = ServerConfig(data_dir=tmp_path, session_sweep_interval=0.05)
    with caplog.at_level(logging.INFO, logger="syncmld"), TestClient(create_app(store, config)) as client:
        assert client.post("/syncml", content=FIRST_SYNC, headers={"Content-Type": XML}).is_success
        set_setting(store, "history_days", "soon")
        age_sessions(tmp_path, TWO_DAYS)
        deadline = time.monotonic() + 30
        failed = "sweeping expired sessions failed: the stored setting history_days is unusable: "
        while not any(line.startswith(failed) for line in server_messages(caplog.records)):
            assert time.monotonic() < deadline, "the sweep did not report the unusable setting"
            time.sleep(0.05)
        assert session_count(tmp_path) == 1, "nothing swept with an unusable setting"
        set_setting(store, "history_days", "30")
        while session_count(tmp_path):
            assert time.monotonic() < deadline, "the sweep stopped after the unusable setting"
            time.sleep(0.05)
