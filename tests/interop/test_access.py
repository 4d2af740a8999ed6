"""Who may sync, over HTTP: the auth policy (any, basic, md5) met by SyncEvolution and by a scripted
device, and syncs refused for a disabled account or domain, an account off the access list and a
server switched off: refused with 403, nothing touched, the reason in the server log."""

import dataclasses
from collections.abc import Callable, Iterator

import pytest

from syncmld.client import Device as ScriptedDevice
from syncmld.protocol.constants import AUTH_BASIC, AUTH_MD5
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import DeviceSync
from tests.engine.conftest import vcard

from .admin import admin, log_mark, log_since
from .client import DeviceFactory, succeeded
from .server import Login, SyncmldServer
from .sides import assert_same_contacts, device_contacts, server_contacts, store_snapshot
from .wire import MESSAGE_LOGGING, challenged_for, header_statuses, http_transport, received_messages

pytestmark = pytest.mark.timeout(300)

AUTH_TYPES = {"basic": AUTH_BASIC, "md5": AUTH_MD5}
ACCEPTED = 212


def _login_refusals(log: str) -> list[str]:
    return [line for line in log.splitlines() if "login refused" in line]


@pytest.fixture
def set_auth_policy(server: SyncmldServer) -> Iterator[Callable[[str], None]]:
    """Sets the server's auth policy with ``syncmld config set auth``; puts ``any`` back afterwards."""
    changed = []

    def set_policy(policy: str) -> None:
        admin(server, "config", "set", "auth", policy)
        changed.append(policy)

    yield set_policy
    if changed:
        admin(server, "config", "set", "auth", "any")


@pytest.mark.parametrize("client_auth", ["basic", "md5"])
@pytest.mark.parametrize("policy", ["any", "basic", "md5"])
def test_syncevolution_meets_the_auth_policy(
    policy: str,
    client_auth: str,
    device: DeviceFactory,
    server: SyncmldServer,
    login: Login,
    set_auth_policy: Callable[[str], None],
) -> None:
    """A forced policy challenges a client of the other type once, for the right type; SyncEvolution
    switches and succeeds, and logs in with the right type from then on. An MD5 client's first contact
    is challenged for a nonce."""
    if policy != "any":
        set_auth_policy(policy)
    phone = device("phone")
    phone.generate(2)
    challenged = policy != "any" and policy != client_auth
    mark = log_mark(server)

    first = succeeded(phone.sync("two-way", "--auth", client_auth, *MESSAGE_LOGGING))

    statuses = header_statuses(received_messages(first))
    if challenged:
        assert (statuses[0].data, challenged_for(statuses[0])) == (401, AUTH_TYPES[policy]), statuses
        assert [status.data for status in statuses[1:2]] == [ACCEPTED], statuses
        [refusal] = _login_refusals(log_since(server, mark))
        assert "not accepted" in refusal
    elif client_auth == "md5":
        # a first contact computes its digest with an empty nonce: it is challenged for a real one, which is
        # the normal handshake and no refusal
        assert (statuses[0].data, challenged_for(statuses[0])) == (401, AUTH_TYPES["md5"]), statuses
        assert [status.data for status in statuses[1:2]] == [ACCEPTED], statuses
        log = log_since(server, mark)
        assert _login_refusals(log) == []
        [challenge] = [line for line in log.splitlines() if ") challenged: " in line]
        assert "with a nonce this device was not given" in challenge
    else:
        assert statuses[0].data == ACCEPTED, statuses
        assert _login_refusals(log_since(server, mark)) == []
    assert_same_contacts(server_contacts(server.data_dir, login.email), device_contacts(phone), "server vs device")

    mark = log_mark(server)
    second = succeeded(phone.sync("two-way", "--auth", client_auth, *MESSAGE_LOGGING))

    assert header_statuses(received_messages(second))[0].data == ACCEPTED
    assert _login_refusals(log_since(server, mark)) == []


@pytest.mark.parametrize("policy", ["basic", "md5"])
def test_second_wrong_type_attempt_is_rejected_without_a_challenge(
    policy: str, server: SyncmldServer, login: Login, set_auth_policy: Callable[[str], None]
) -> None:
    """What SyncEvolution never does (it switches after the challenge), a scripted device does: it
    tries the wrong type again."""
    set_auth_policy(policy)
    forced = AUTH_TYPES[policy]
    wrong = AUTH_MD5 if forced == AUTH_BASIC else AUTH_BASIC
    phone = ScriptedDevice(
        transport=http_transport(),
        url=server.url,
        user=login.email,
        password=login.password,
        device_id=f"scripted-{login.email}",
        auth=wrong,
    )
    phone.add(vcard(1))
    before = store_snapshot(server.data_dir)
    mark = log_mark(server)

    first = phone.sync(201)
    second = phone.sync(201)

    assert (first.header_status, first.challenge) == (401, forced)
    assert (second.header_status, second.challenge) == (401, None)
    assert store_snapshot(server.data_dir) == before
    assert len(_login_refusals(log_since(server, mark))) == 2
    phone.auth = forced
    assert phone.sync(201).header_status == ACCEPTED
    assert len(server_contacts(server.data_dir, login.email)) == 1


def _sync_history(server: SyncmldServer, email: str) -> list[DeviceSync]:
    """The last syncs of the account's devices (what ``syncmld device list`` shows), from the store."""
    store = open_store(sqlite_url(server.data_dir))
    try:
        with store.transaction() as tx:
            account = tx.get_account(email)
            assert account is not None
            return [record for known in tx.list_devices(account.id) for record in tx.list_device_syncs(known.id)]
    finally:
        store.close()


@dataclasses.dataclass(frozen=True)
class Switch:
    """An admin change that stops an account from syncing, how to undo it, and the logged reason."""

    off: tuple[str, ...]
    on: tuple[str, ...]
    reason: str
    prepare: tuple[str, ...] = ()
    """A command to run first, if any."""


def _switches(email: str, domain: str) -> dict[str, Switch]:
    return {
        "account-disabled": Switch(
            ("account", "disable", email), ("account", "enable", email), f"SyncML is disabled for account {email}"
        ),
        "domain-disabled": Switch(
            ("domain", "disable", domain),
            ("domain", "enable", domain),
            f"SyncML is disabled for domain {domain}",
            prepare=("domain", "add", domain),
        ),
        "not-on-access-list": Switch(
            ("access", "allow", f"someone-else@{domain}"),
            ("access", "deny", f"someone-else@{domain}"),
            f"account {email} is not on the access list",
        ),
        "server-switched-off": Switch(
            ("config", "set", "syncml", "off"), ("config", "set", "syncml", "on"), "SyncML is disabled on this server"
        ),
    }


@pytest.mark.parametrize("switch", ["account-disabled", "domain-disabled", "not-on-access-list", "server-switched-off"])
def test_refused_sync_touches_nothing_and_the_log_says_why(
    switch: str, device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    domain = f"{login.email.split('@')[0]}.example.net"
    account = Login(f"anna@{domain}", "anna-secret")
    server.add_account(account.email, account.password)
    change = _switches(account.email, domain)[switch]
    if change.prepare:
        admin(server, *change.prepare)
    phone = dataclasses.replace(device("phone"), user=account.email, password=account.password)
    phone.generate(3)
    succeeded(phone.sync())
    phone.generate(2, start=4)
    before = store_snapshot(server.data_dir)
    history_before = _sync_history(server, account.email)
    mark = log_mark(server)

    admin(server, *change.off)
    try:
        refused = phone.sync()
    finally:
        admin(server, *change.on)

    assert (refused.ok, refused.status) == (False, 403), refused.describe()
    assert store_snapshot(server.data_dir) == before
    assert _sync_history(server, account.email) == history_before
    assert change.reason in log_since(server, mark)

    mark = log_mark(server)
    allowed_again = succeeded(phone.sync())
    assert (allowed_again.mode, allowed_again.server.added) == ("two-way", 2), allowed_again.describe()
    assert _login_refusals(log_since(server, mark)) == [], "the refused sync changed what the device must log in with"
