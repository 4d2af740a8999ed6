"""Repeated failed logins, per account and client address and per client address: delayed, then refused
for a while, and logged; never a lock-out of the owner from an address that has not failed. The engine is
driven with a settable clock; the HTTP shell is checked for the wait."""

import base64
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
import pytest

from syncmld.accounts import hash_password, md5_credential, md5_digest
from syncmld.engine import EngineContext, EngineSettings, Outcome, Request, handle_message
from syncmld.engine.api import ThrottleSettings
from syncmld.protocol.codec import Encoding
from syncmld.protocol.constants import AUTH_BASIC, AUTH_MD5, AlertCode, SyncMLVersion
from syncmld.protocol.messages import Alert, Anchor, Cred, Item, LocRef, Meta, Status, SyncHdr, SyncML
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import Store
from tests.hostile.conftest import MakeClient
from tests.hostile.wire import (
    ALICE,
    BOB,
    ENDPOINT,
    PASSWORD,
    XML,
    alert,
    basic_cred,
    message,
    reply_of,
    statuses,
)

SETTINGS = ThrottleSettings(
    delay_after=2, lock_after=4, address_delay_after=6, address_lock_after=12, delay=1.5, period=600.0
)
HOME = "192.0.2.10"
ELSEWHERE = "198.51.100.7"
WRONG = "not-the-password"
MALLORY = "mallory@example.org"
VICTIMS = (ALICE, BOB, "carol@example.org", "dave@example.org", "erin@example.org")


@dataclass
class Clock:
    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(sqlite_url(tmp_path))
    with store.transaction() as tx:
        for email in (*VICTIMS, MALLORY):
            tx.add_account(email, md5_credential(email, PASSWORD), hash_password(PASSWORD))
    yield store
    store.close()


@dataclass
class Server:
    """The engine on a real store, with the clock under the test's control."""

    store: Store
    clock: Clock
    settings: ThrottleSettings = SETTINGS

    def login(
        self,
        user: str,
        password: str | None,
        address: str = HOME,
        device: str = "phone-1",
        auth: str = AUTH_BASIC,
        loc_name: str | None = None,
    ) -> Outcome:
        """The first message of a session: a sync Alert, with credentials unless ``password`` is None. MD5
        credentials are made as a device's first contact makes them: with an empty nonce."""
        cred = None
        if password is not None:
            if auth == AUTH_MD5:
                cred = Cred(
                    data=md5_digest(md5_credential(user, password), b""), meta=Meta(type=AUTH_MD5, format="b64")
                )
            else:
                cred = Cred(
                    data=base64.b64encode(f"{user}:{password}".encode()).decode(),
                    meta=Meta(type=AUTH_BASIC, format="b64"),
                )
        header = SyncHdr(
            version=SyncMLVersion.V1_2,
            session_id="1",
            msg_id="1",
            target=LocRef(ENDPOINT),
            source=LocRef(device, loc_name if loc_name is not None else user),
            cred=cred,
        )
        sync_alert = Alert(
            cmd_id="1",
            data=AlertCode.SLOW_SYNC,
            items=(Item(target=LocRef("contacts"), source=LocRef("./contacts"), meta=Meta(anchor=Anchor(next="1"))),),
        )
        ctx = EngineContext(settings=EngineSettings(throttle=self.settings), clock=self.clock)
        request = Request(SyncML(header, (sync_alert,), final=True), Encoding.XML, ENDPOINT, client_address=address)
        return handle_message(request, self.store, ctx)

    def devices_of_alice(self) -> int:
        with self.store.transaction() as tx:
            account = tx.get_account(ALICE)
            assert account is not None
            return len(tx.list_devices(account.id))

    def failures(self, key: str) -> int:
        with self.store.transaction() as tx:
            noted = tx.login_failures(key)
        return noted.count if noted else 0


@pytest.fixture
def server(engine_store: Store, clock: Clock) -> Server:
    return Server(engine_store, clock)


def header_status(outcome: Outcome) -> Status:
    status = outcome.reply.commands[0]
    assert isinstance(status, Status) and status.cmd == "SyncHdr"
    return status


def codes(outcome: Outcome) -> list[int]:
    return [status.data or 0 for status in outcome.reply.commands if isinstance(status, Status)]


def engine_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "syncmld.engine"]


def test_failed_logins_are_delayed_then_refused_without_checking_the_password(
    server: Server,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="syncmld.engine")
    delays = []
    for _ in range(SETTINGS.lock_after):
        failed = server.login(ALICE, WRONG)
        assert codes(failed) == [401, 401]
        delays.append(failed.delay)
        clock.now += 10
    assert delays == [0.0, 0.0, 1.5, 1.5]
    assert f"login of device phone-1 answered after 1.5 s: login:{ALICE}|{HOME} (2 failed logins)" in (
        engine_lines(caplog)
    )
    assert f"login:{ALICE}|{HOME} locked until 2027-01-15 08:10:30 UTC after 4 failed logins" in engine_lines(caplog)

    for password in (PASSWORD, WRONG):
        refused = server.login(ALICE, password)
        assert codes(refused) == [403, 403]
        assert header_status(refused).chal is None
        assert refused.reply.header.resp_uri is None and refused.delay == 0.0
    assert server.devices_of_alice() == 0, "no session was opened"
    assert engine_lines(caplog)[-1] == (
        f"login of device phone-1 refused without checking credentials: login:{ALICE}|"
        f"{HOME} is locked until 2027-01-15 08:10:30 UTC after 4 failed logins"
    )


def test_the_lock_ends_when_the_period_has_passed_and_the_count_starts_again(server: Server, clock: Clock) -> None:
    for _ in range(SETTINGS.lock_after):
        server.login(ALICE, WRONG)
    clock.now += SETTINGS.period - 1
    assert codes(server.login(ALICE, PASSWORD))[0] == 403
    clock.now += 1
    accepted = server.login(ALICE, PASSWORD)
    assert codes(accepted)[0] == 212 and accepted.delay == 0.0
    assert server.login(ALICE, WRONG).delay == 0.0


def test_a_successful_login_forgets_the_failures_of_its_account_from_its_address_only(server: Server) -> None:
    for _ in range(SETTINGS.lock_after - 1):
        server.login(ALICE, WRONG)
    accepted = server.login(ALICE, PASSWORD)
    assert codes(accepted)[0] == 212
    assert accepted.delay == 1.5, "the login that ends the failures is delayed like any other"
    assert server.failures(f"login:{ALICE}|{HOME}") == 0
    assert server.failures(f"addr:{HOME}") == SETTINGS.lock_after - 1, "the address keeps its failures"
    assert server.login(ALICE, WRONG).delay == 0.0
    assert codes(server.login(ALICE, PASSWORD))[0] == 212


def test_ten_wrong_passwords_from_one_address_do_not_stop_the_owner_elsewhere(
    engine_store: Store, clock: Clock
) -> None:
    """With the default settings: a stranger's guesses lock Alice's account at the stranger's address only."""
    server = Server(engine_store, clock, ThrottleSettings())
    for _ in range(10):
        assert codes(server.login(ALICE, WRONG, address=HOME))[0] == 401
    assert codes(server.login(ALICE, PASSWORD, address=HOME))[0] == 403, "locked where the guesses came from"
    owner = server.login(ALICE, PASSWORD, address=ELSEWHERE)
    assert codes(owner)[0] == 212 and owner.delay == 0.0


def test_password_spraying_with_a_valid_login_every_four_guesses_is_delayed_then_locked(
    engine_store: Store,
    clock: Clock,
) -> None:
    """With the default settings: 40 guesses over 5 accounts, and Mallory logging into her own account
    after every 4th: her successes do not wipe the address's count."""
    settings = ThrottleSettings()
    server = Server(engine_store, clock, settings)
    guesses: list[tuple[int, float]] = []
    for guess in range(40):
        outcome = server.login(VICTIMS[guess % len(VICTIMS)], WRONG, address=HOME, device=f"sprayer-{guess}")
        guesses.append((codes(outcome)[0], outcome.delay))
        if guess % 4 == 3:
            server.login(MALLORY, PASSWORD, address=HOME, device="mallory-phone")
        clock.now += 5
    assert guesses[: settings.address_delay_after] == [(401, 0.0)] * settings.address_delay_after
    assert guesses[settings.address_delay_after] == (401, settings.delay), "slowed"
    assert guesses[-1] == (403, 0.0), "then locked"
    assert (403, 0.0) in guesses[: settings.address_lock_after + 1]
    assert codes(server.login(MALLORY, PASSWORD, address=HOME))[0] == 403
    assert codes(server.login(ALICE, PASSWORD, address=ELSEWHERE))[0] == 212


def test_one_account_guessed_from_many_addresses_still_logs_in_from_an_address_that_has_not_failed(
    server: Server,
) -> None:
    for number in range(3):
        for _ in range(SETTINGS.lock_after):
            server.login(ALICE, WRONG, address=f"203.0.113.{number}")
        assert codes(server.login(ALICE, PASSWORD, address=f"203.0.113.{number}"))[0] == 403
    accepted = server.login(ALICE, PASSWORD, address=ELSEWHERE)
    assert codes(accepted)[0] == 212 and accepted.delay == 0.0


def test_an_ipv6_client_is_counted_by_its_network(server: Server) -> None:
    """A client holds a whole /64: changing addresses within it does not start the count again."""
    for number in range(SETTINGS.lock_after):
        server.login(ALICE, WRONG, address=f"2001:db8:1:2::{number + 1:x}")
    assert codes(server.login(ALICE, PASSWORD, address="2001:db8:1:2::ffff"))[0] == 403
    assert codes(server.login(ALICE, PASSWORD, address="2001:db8:1:3::1"))[0] == 212


def test_an_unknown_account_is_locked_like_a_known_one(server: Server) -> None:
    """The replies tell nobody which accounts exist."""
    for user, address in (("nobody@example.org", HOME), (ALICE, ELSEWHERE)):
        replies = [codes(server.login(user, WRONG, address=address)) for _ in range(SETTINGS.lock_after + 1)]
        assert replies == [[401, 401]] * SETTINGS.lock_after + [[403, 403]]


def test_md5_logins_count_against_the_account_named_in_the_header(server: Server) -> None:
    """A wrong MD5 digest counts, even as a device's first message."""
    for attempt in range(SETTINGS.lock_after):
        assert codes(server.login(ALICE, WRONG, auth=AUTH_MD5, device=f"phone-{attempt}"))[0] == 401
    assert codes(server.login(ALICE, PASSWORD))[0] == 403


def test_first_md5_contacts_of_many_new_devices_are_no_failed_logins(server: Server) -> None:
    """SyncEvolution's first message carries MD5 credentials made with an empty nonce: a challenge is
    the answer, and many new devices behind one address are not locked out by it."""
    for number in range(SETTINGS.address_lock_after * 2):
        outcome = server.login(ALICE, PASSWORD, auth=AUTH_MD5, device=f"new-phone-{number}")
        assert codes(outcome)[0] == 401 and outcome.delay == 0.0
        assert header_status(outcome).chal is not None
    assert server.failures(f"addr:{HOME}") == 0
    assert codes(server.login(ALICE, PASSWORD))[0] == 212


def test_a_basic_login_counts_against_its_own_user_whatever_the_header_names(server: Server) -> None:
    for _ in range(SETTINGS.lock_after):
        server.login(ALICE, WRONG, loc_name=BOB)
    assert codes(server.login(ALICE, PASSWORD))[0] == 403
    assert codes(server.login(BOB, PASSWORD))[0] == 212


def test_asking_for_the_challenge_is_no_failed_login(server: Server) -> None:
    for _ in range(SETTINGS.address_lock_after * 2):
        asked = server.login(ALICE, None)
        assert codes(asked)[0] == 407 and asked.delay == 0.0
    assert codes(server.login(ALICE, PASSWORD))[0] == 212


def test_failed_logins_of_unknown_accounts_are_bounded_in_the_store(engine_store: Store, clock: Clock) -> None:
    """Guesses with arbitrary claimed e-mails from many addresses: the table keeps at most max_keys keys,
    and forgets expired ones to make room."""
    server = Server(engine_store, clock, ThrottleSettings(max_keys=50, period=600.0))
    for number in range(100):
        server.login(f"nobody{number}@example.org", WRONG, address=f"203.0.113.{number}")
    with engine_store.transaction() as tx:
        assert tx.count_login_failure_keys() == 50
    clock.now += 601
    server.login("late@example.org", WRONG, address=ELSEWHERE)
    assert server.failures(f"login:late@example.org|{ELSEWHERE}") == 1, "expired keys made room"
    with engine_store.transaction() as tx:
        assert tx.count_login_failure_keys() == 2


HTTP_SETTINGS = ThrottleSettings(delay_after=1, lock_after=3, delay=0.6, period=600.0)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def post_login(client: httpx.AsyncClient, password: str) -> httpx.Response:
    body = message(alert(1, 201), device="alice-phone", cred=basic_cred(ALICE, password))
    return await client.post("/syncml", content=body, headers={"Content-Type": XML})


@pytest.mark.anyio
async def test_over_http_a_throttled_login_waits_without_holding_up_others(make_client: MakeClient) -> None:
    client = await make_client(login_throttle=HTTP_SETTINGS)
    assert statuses(reply_of(await post_login(client, WRONG)))[0] == ("SyncHdr", 401)
    finished: dict[str, float] = {}
    started = time.monotonic()

    async def timed(name: str) -> None:
        if name == "login":
            answered = await post_login(client, PASSWORD)
            assert statuses(reply_of(answered))[0] == ("SyncHdr", 212)
        else:
            await anyio.sleep(0.1)
            assert (await client.get("/syncml")).status_code == 200
        finished[name] = time.monotonic() - started

    async with anyio.create_task_group() as group:
        group.start_soon(timed, "login")
        group.start_soon(timed, "about page")
    assert finished["login"] >= HTTP_SETTINGS.delay
    assert finished["about page"] < HTTP_SETTINGS.delay


@pytest.mark.anyio
async def test_over_http_a_locked_account_gets_403_in_syncml(
    make_client: MakeClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await make_client(login_throttle=ThrottleSettings(delay_after=10, lock_after=3, delay=0.0))
    for _ in range(3):
        assert statuses(reply_of(await post_login(client, WRONG)))[0] == ("SyncHdr", 401)
    with caplog.at_level(logging.WARNING, logger="syncmld"):
        answered = await post_login(client, PASSWORD)
    reply = reply_of(answered)
    assert statuses(reply) == [("SyncHdr", 403), ("Alert", 403)]
    lines = [record.getMessage() for record in caplog.records]
    assert any(
        line.startswith(
            f"login of device alice-phone refused without checking credentials: login:{ALICE}|"
            "127.0.0.1 is locked until "
        )
        for line in lines
    )
    assert any(
        line.startswith("refused account=- device=alice-phone session=1 msgid=1: SyncHdr#0 403") for line in lines
    )
