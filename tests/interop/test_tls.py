"""SyncEvolution syncs contacts over HTTPS with ``syncmld serve --tls-cert --tls-key``, trusting a CA made
for the test (``SSLServerCertificates``, server and host name verified); a device that does not trust
that CA does not sync."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.certificates import Certificates, make_certificates

from .client import Device, DeviceFactory, succeeded
from .conftest import BOTH_WIRES
from .server import Login, SyncmldServer
from .sides import assert_same_contacts, device_contacts, server_contacts

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, certificates: Certificates) -> Iterator[SyncmldServer]:
    running = SyncmldServer(tmp_path_factory.mktemp("syncmld") / "data", tls=certificates)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def trusting(ca: Path) -> tuple[str, ...]:
    """client.sh options: verify the server's certificate and name against ``ca``."""
    return ("--set", f"SSLServerCertificates={ca}", "--set", "SSLVerifyServer=1", "--set", "SSLVerifyHost=1")


@BOTH_WIRES
def test_contacts_sync_both_ways_over_https(
    device: DeviceFactory, server: SyncmldServer, login: Login, certificates: Certificates
) -> None:
    assert server.url.startswith("https://")
    phone, laptop = device("phone"), device("laptop")
    phone.generate(5, seed=3)

    sent = succeeded(phone.sync("slow", *trusting(certificates.ca)))
    assert sent.server.added == 5
    received = succeeded(laptop.sync("slow", *trusting(certificates.ca)))
    assert received.client.added == 5

    assert_same_contacts(device_contacts(laptop), server_contacts(server.data_dir, login.email), "laptop vs server")
    assert_same_contacts(device_contacts(phone), device_contacts(laptop), "phone vs laptop")


def test_a_device_that_does_not_trust_the_ca_does_not_sync(
    device: DeviceFactory, server: SyncmldServer, login: Login, tmp_path: Path
) -> None:
    stranger: Device = device("stranger")
    stranger.generate(2, seed=4)
    other_ca = make_certificates(tmp_path / "other").ca

    result = stranger.sync("slow", *trusting(other_ca))

    assert not result.ok, result.describe()
    assert server_contacts(server.data_dir, login.email) == []
