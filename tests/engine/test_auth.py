"""Authentication as devices meet it: basic and MD5, nonces, and the any/basic/md5 policy."""

from collections.abc import Callable

import pytest

from syncmld.client import Device
from syncmld.protocol.constants import AUTH_BASIC, AUTH_MD5
from syncmld.store.base import Store
from tests.engine.conftest import vcard


def set_policy(store: Store, policy: str) -> None:
    with store.transaction() as tx:
        tx.set_setting("auth", policy)


def test_md5_nonces_chain_from_session_to_session(store: Store, new_device: Callable[..., Device]) -> None:
    phone = new_device("IMEI:1", auth=AUTH_MD5)
    phone.add(vcard(1))
    first = phone.sync(201)
    assert (first.header_status, first.challenge) == (401, AUTH_MD5), "first contact: challenged for a nonce"
    assert phone.sync(201).header_status == 212
    assert phone.sync(200).header_status == 212, "the nonce of the 212 challenge serves the next session"
    phone.nonce = b"stale"
    stale = phone.sync(200)
    assert (stale.header_status, stale.challenge) == (401, AUTH_MD5)
    assert phone.sync(200).header_status == 212


@pytest.mark.parametrize(
    ("policy", "client", "accepted"),
    [
        ("any", AUTH_BASIC, True),
        ("any", AUTH_MD5, True),
        ("basic", AUTH_BASIC, True),
        ("basic", AUTH_MD5, False),
        ("md5", AUTH_BASIC, False),
        ("md5", AUTH_MD5, True),
    ],
)
def test_policy_matrix(
    store: Store, new_device: Callable[..., Device], policy: str, client: str, accepted: bool
) -> None:
    set_policy(store, policy)
    phone = new_device("IMEI:1", auth=client)
    phone.sync(201)  # an MD5 client learns its nonce here
    report = phone.sync(201)
    if accepted:
        assert report.header_status == 212
        return
    forced = AUTH_BASIC if policy == "basic" else AUTH_MD5
    assert (report.header_status, report.challenge) == (401, None), "second wrong-type attempt: rejected"
    fresh = new_device("IMEI:2", auth=client).sync(201)
    assert (fresh.header_status, fresh.challenge) == (401, forced), "first wrong-type attempt: challenged"
    switched = new_device("IMEI:2", auth=forced)
    switched.nonce = b""
    if forced == AUTH_MD5:
        switched.sync(201)
    assert switched.sync(201).header_status == 212


def test_wrong_password_never_opens_a_session(store: Store, new_device: Callable[..., Device]) -> None:
    for auth in (AUTH_BASIC, AUTH_MD5):
        thief = new_device(f"IMEI:{auth}", auth=auth, password="guess")
        thief.add(vcard(1))
        for _ in range(3):
            assert thief.sync(201).header_status == 401


@pytest.mark.parametrize("device_id", ["syncmld:dav", "SyncMLD:DAV", "syncmld:anything"])
def test_a_device_naming_itself_as_the_servers_own_client_is_refused(
    store: Store, new_device: Callable[..., Device], device_id: str
) -> None:
    impostor = new_device(device_id)
    impostor.add(vcard(1))
    assert impostor.sync(200).header_status == 403
    with store.transaction() as tx:
        (account,) = tx.list_accounts()
        assert tx.list_devices(account.id) == []
        folder = tx.get_folder(account.id, "contacts")
        assert folder is None or tx.count_items(folder.id) == 0
