"""SyncML 1.1 and 1.2, vCard 2.1 and 3.0, MD5 and basic auth, each on the wire format under test;
a wrong password changes nothing on the server."""

import dataclasses
import itertools
from pathlib import Path

import pytest

from .client import DeviceFactory
from .server import Login, SyncmldServer
from .sides import assert_same_contacts, device_contacts, server_contacts, store_snapshot

pytestmark = pytest.mark.timeout(240)

WIRE_ENCODINGS = [pytest.param("0", id="xml"), pytest.param("1", id="wbxml")]
"""client.sh ``--wbxml`` values: every variant below runs on each."""

VARIANTS = [
    pytest.param("1.2", "vcard30", "md5", id="syncml12-vcard30-md5"),
    pytest.param("1.1", "vcard21", "basic", id="syncml11-vcard21-basic"),
    pytest.param("1.1", "vcard30", "md5", id="syncml11-vcard30-md5"),
    pytest.param("1.2", "vcard21", "basic", id="syncml12-vcard21-basic"),
]

_first_contact = itertools.count(1, 3)


@pytest.fixture(scope="module")
def shared_login(server: SyncmldServer) -> Login:
    """One account for all variants: each device also receives what the variants before it sent."""
    login = Login("variants@example.com", "variants-secret")
    server.add_account(login.email, login.password)
    return login


@pytest.mark.parametrize("wbxml", WIRE_ENCODINGS)
@pytest.mark.parametrize(("syncml", "wire_format", "auth"), VARIANTS)
def test_variant_sends_and_receives_contacts(
    device: DeviceFactory,
    server: SyncmldServer,
    shared_login: Login,
    wbxml: str,
    syncml: str,
    wire_format: str,
    auth: str,
) -> None:
    phone = dataclasses.replace(
        device(f"v{syncml.replace('.', '')}-{wire_format}-{auth}-wbxml{wbxml}"),
        user=shared_login.email,
        password=shared_login.password,
        wbxml=wbxml,
    )
    version = "2.1" if wire_format == "vcard21" else "3.0"
    phone.generate(3, start=next(_first_contact), seed=7, version=version)
    own = device_contacts(phone)

    result = phone.sync("slow", "--syncml", syncml, "--format", wire_format, "--auth", auth)

    assert result.ok, result.describe()
    assert result.server.added == 3, result.describe()
    on_server = server_contacts(server.data_dir, shared_login.email)
    assert set(own) <= set(on_server), "the device's contacts are not all on the server"
    assert_same_contacts(device_contacts(phone), on_server, "device vs server")


def test_wrong_password_is_refused_and_writes_nothing(
    device: DeviceFactory, server: SyncmldServer, login: Login
) -> None:
    phone = device("phone")
    phone.generate(3)
    assert phone.sync("slow").ok
    phone.generate(2, start=4)
    before = store_snapshot(server.data_dir)

    refused = phone.sync("two-way", password=login.password + "-wrong")

    assert not refused.ok, refused.describe()
    assert refused.status == 401, refused.describe()
    assert store_snapshot(server.data_dir) == before


def test_device_set_up_again_for_another_account_receives_intact_contacts(
    device: DeviceFactory, server: SyncmldServer, login: Login, tmp_path: Path
) -> None:
    """A phone synced with one account, reinstalled and set up for another: same device ID, fresh client
    state (no nonce, no anchors). Its first MD5 login is refused once; the retry must still get vCard 3.0."""
    other = Login(f"moved-{login.email}", "moved-secret")
    server.add_account(other.email, other.password)
    phone = device("phone")
    phone.generate(3)
    assert phone.sync("slow").ok
    seeder = dataclasses.replace(device("seeder"), user=other.email, password=other.password)
    seeder.generate(5, start=10)
    assert seeder.sync("slow").ok
    moved = dataclasses.replace(phone, state=tmp_path / "reinstalled", user=other.email, password=other.password)

    result = moved.sync()

    assert result.ok, result.describe()
    assert result.client.added == 5, result.describe()
    assert_same_contacts(device_contacts(moved), device_contacts(seeder), "moved phone vs the account's data")
