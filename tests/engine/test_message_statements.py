"""The SQL statements each message of a device's sessions costs the engine (in process, no HTTP): on PostgreSQL each
is a round trip, on SQLite each is CPU the message pays. A device logs in with MD5 (challenged first), slow-syncs
contacts and ends, then syncs again two-way, as a load device does."""

from syncmld.client import Device
from syncmld.client.device import Signer, Transport
from syncmld.engine import EngineContext, EngineSettings, Request, handle_message
from syncmld.engine.api import split_session_url
from syncmld.protocol.codec import Encoding, decode_xml, encode_xml
from syncmld.protocol.constants import AUTH_MD5
from syncmld.protocol.messages import SyncML
from syncmld.store.base import Store
from tests.engine.conftest import EMAIL, PASSWORD, URL, vcard
from tests.statements import recorded_statements

SLOW, TWO_WAY = 201, 200


def sessions(store: Store, client_address: str = "") -> list[list[list[str]]]:
    """The statements of each message of a device's first session (challenged login, login, slow sync of a
    contact, end) and of its second (login, sync, end)."""
    per_message: list[list[str]] = []
    ctx = EngineContext(settings=EngineSettings())

    def post(message: SyncML, url: str, sign: Signer | None = None, /) -> SyncML:
        base, token = split_session_url(url)
        request = Request(decode_xml(encode_xml(message)), Encoding.XML, base, token, client_address)
        with recorded_statements() as seen:
            reply = handle_message(request, store, ctx).body
        per_message.append(seen)
        return decode_xml(reply)

    transport: Transport = post
    device = Device(transport=transport, url=URL, user=EMAIL, password=PASSWORD, device_id="IMEI:1", auth=AUTH_MD5)
    device.add(vcard(1))
    found = []
    for mode in (SLOW, TWO_WAY):
        start = len(per_message)
        report = device.sync(mode)
        if report.header_status == 401:
            report = device.sync(mode)
        assert report.header_status in (200, 212)
        found.append(per_message[start:])
    return found


def named(statements: list[str], table: str) -> list[str]:
    """The statements that read or write ``table`` (by the table their first clause names)."""
    return [s for s in statements if f" {table}" in s.split(" WHERE ")[0] or s.startswith(f"SELECT {table}.")]


def test_a_message_in_session_reads_the_sequence_counter_at_most_once(sql_store: Store) -> None:
    first, second = sessions(sql_store)

    for message in (*first[2:], *second[1:]):
        reads = [s for s in named(message, "sequence_counter") if s.startswith("SELECT")]
        assert len(reads) <= 1, message


def test_a_login_and_a_sync_read_their_settings_in_one_statement_each(sql_store: Store) -> None:
    """A login reads the server's auth and syncml switches together, and the alerted folder's item encryption and
    refused types together; a Sync its account's conflict policy (the account's own, else the server's) in one."""
    first, second = sessions(sql_store)
    login, sync = first[1], first[2]

    assert len(named(login, "settings")) == 2, login
    assert len(named(second[0], "settings")) == 2, second[0]
    assert len(named(sync, "settings")) == 1, sync


def test_a_challenged_login_reads_the_device_nonce_once(sql_store: Store) -> None:
    first, _ = sessions(sql_store)

    assert len([s for s in first[0] if s.startswith("SELECT nonces.")]) == 1, first[0]


def test_a_login_reads_the_domain_and_the_access_list_in_one_statement(sql_store: Store) -> None:
    first, _ = sessions(sql_store)
    login = first[1]

    access = [s for s in login if "access_list" in s or "FROM domains" in s]
    assert len(access) == 1, access


def test_the_statements_of_each_message(sql_store: Store) -> None:
    """What each message of the two sessions costs, statement by statement (SQLite's BEGIN included): a bound that
    a change adding statements to every message has to move."""
    first, second = sessions(sql_store)
    begin = int(any(s == "BEGIN IMMEDIATE" for s in first[1]))  # SQLite's write turn

    counted = [len(message) - begin for message in (*first, *second)]
    bounds = [4, 19, 17, 6, 16, 5, 6]
    assert all(count <= bound for count, bound in zip(counted, bounds, strict=True)), counted


def test_a_login_reads_the_failed_logins_of_its_account_and_its_address_in_one_statement(sql_store: Store) -> None:
    """The throttle's keys (the account from this address, the address) are read together, and with them the
    wrong-type challenge's key (which a login that succeeds forgets)."""
    first, second = sessions(sql_store, client_address="192.0.2.7")

    def reads(message: list[str]) -> list[str]:
        return [s for s in message if s.startswith("SELECT login_failures.")]

    for login in (first[0], first[1], second[0]):
        assert len(reads(login)) == 1, login
        assert reads(login)[0].rpartition(" IN (")[2].count(",") == 2, login  # three keys
