"""The stored settings, read through their declarations on a real store: typed values, an account's own
value before the server's, and a stored value a setting cannot have as an error that names it and says
how to put it right (no default in its place)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncmld.errors import SettingError
from syncmld.settings import AUTH, CONFLICT, HISTORY_DAYS, SYNCML, AnySetting, AuthPolicy, ConflictPolicy
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import Store

BOB = "bob@acme.com"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(sqlite_url(tmp_path))
    yield opened
    opened.close()


def stored(store: Store, values: dict[str, str]) -> None:
    with store.transaction() as tx:
        for key, value in values.items():
            tx.set_setting(key, value)


def test_nothing_stored_reads_the_defaults(store: Store) -> None:
    with store.transaction() as tx:
        assert AUTH.read(tx) is AuthPolicy.ANY
        assert SYNCML.read(tx) is True
        assert CONFLICT.read(tx, account=BOB) is ConflictPolicy.MERGE
        assert HISTORY_DAYS.read(tx) == 30


def test_stored_values_read_as_their_types(store: Store) -> None:
    stored(store, {"auth": "hmac", "syncml": "off", "conflict": "server-wins", "history_days": "0"})
    with store.transaction() as tx:
        assert AUTH.read(tx) is AuthPolicy.HMAC
        assert SYNCML.read(tx) is False
        assert CONFLICT.read(tx) is ConflictPolicy.SERVER_WINS
        assert HISTORY_DAYS.read(tx) == 0


def test_an_accounts_own_value_comes_before_the_servers(store: Store) -> None:
    stored(store, {"conflict": "client-wins", f"conflict:{BOB}": "duplicate", f"auth:{BOB}": "basic"})
    with store.transaction() as tx:
        assert CONFLICT.read(tx, account=BOB) is ConflictPolicy.DUPLICATE
        assert CONFLICT.read(tx, account="anna@example.org") is ConflictPolicy.CLIENT_WINS
        assert AUTH.read(tx, account=BOB) is AuthPolicy.ANY, "auth is the server's only"


@pytest.mark.parametrize(
    ("setting", "value", "why"),
    [
        (AUTH, "MD5", "not one of any, basic, md5, hmac"),
        (SYNCML, "Off", "not one of on, off"),
        (CONFLICT, "sever-wins", "not one of merge, server-wins"),
        (HISTORY_DAYS, "soon", "not a whole number from 0 to 36500"),
        (HISTORY_DAYS, "²", "not a whole number"),
        (HISTORY_DAYS, "-1", "not a whole number"),
        (HISTORY_DAYS, "36501", "not a whole number from 0 to 36500"),
        (HISTORY_DAYS, "9" * 5000, "not a whole number"),
    ],
)
def test_an_unusable_stored_value_is_an_error_naming_it(
    store: Store, setting: AnySetting, value: str, why: str
) -> None:
    stored(store, {setting.name: value})
    with store.transaction() as tx, pytest.raises(SettingError) as raised:
        setting.read(tx)
    message = str(raised.value)
    assert message.startswith(f"the stored setting {setting.name} is unusable: ")
    assert why in message
    assert message.endswith(f"set it again with syncmld config set {setting.name} VALUE")
    assert len(message) < 300, "a long value is quoted short"


def test_an_unusable_value_of_one_account_names_the_account(store: Store) -> None:
    stored(store, {"conflict": "merge", f"conflict:{BOB}": "mine\nwins"})
    with store.transaction() as tx, pytest.raises(SettingError) as raised:
        CONFLICT.read(tx, account=BOB)
    assert str(raised.value) == (
        f"the stored setting conflict:{BOB} is unusable: 'mine\\nwins' is not one of merge, server-wins, "
        f"client-wins, newest-wins, duplicate; set it again with syncmld config set conflict VALUE --account {BOB}"
    )
