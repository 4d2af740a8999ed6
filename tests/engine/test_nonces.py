"""MD5 nonces that clients can keep: SyncEvolution (the Synthesis engine) keeps the nonce as a C
string, so a nonce whose bytes hold a NUL is cut short there and its next login fails (the interop
tests met this as an occasional "wrong MD5 digest")."""

from collections.abc import Callable

from syncmld.client import Device
from syncmld.protocol.constants import AUTH_MD5

SESSIONS = 150
"""12 random bytes per nonce: 150 sessions see a NUL byte with a probability of 99.9 %."""


def test_no_nonce_holds_a_nul_byte(new_device: Callable[..., Device]) -> None:
    phone = new_device("IMEI:1", auth=AUTH_MD5)
    assert phone.sync(201).header_status == 401, "a first contact is challenged for its nonce"
    nonces = []
    for _ in range(SESSIONS):
        assert phone.sync(201).header_status == 212
        nonces.append(phone.nonce)
    assert len(set(nonces)) == SESSIONS
    assert [nonce for nonce in nonces if b"\0" in nonce] == []
