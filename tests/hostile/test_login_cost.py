"""An unknown account costs what a wrong password costs, so timing tells nobody which accounts exist: the
tests count the password hashes and digests each login computes."""

import base64
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from syncmld import accounts
from syncmld.accounts import md5_credential, md5_digest
from syncmld.engine import EngineContext, Request, handle_message
from syncmld.engine import auth as engine_auth
from syncmld.engine.nonces import Nonces
from syncmld.protocol.codec import Encoding
from syncmld.protocol.constants import AUTH_BASIC, AUTH_MD5, AlertCode, SyncMLVersion
from syncmld.protocol.messages import Alert, Anchor, Cred, Item, LocRef, Meta, Status, SyncHdr, SyncML
from syncmld.store.base import Store
from tests.hostile.wire import ALICE, ENDPOINT, PASSWORD

UNKNOWN = "nobody@example.org"


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How many scrypt hashes and MD5 digests the logins compute, by kind."""
    counts: Counter[str] = Counter()

    def counting(name: str, function: Callable[..., object]) -> Callable[..., object]:
        def counted(*args: object, **kwargs: object) -> object:
            counts[name] += 1
            return function(*args, **kwargs)

        return counted

    monkeypatch.setattr(accounts, "_scrypt", counting("scrypt", accounts._scrypt))
    monkeypatch.setattr(engine_auth, "md5_digest", counting("md5", engine_auth.md5_digest))
    yield counts


def login(store: Store, ctx: EngineContext, user: str, cred: Cred, device: str = "phone-1") -> Status:
    header = SyncHdr(
        version=SyncMLVersion.V1_2,
        session_id="1",
        msg_id="1",
        target=LocRef(ENDPOINT),
        source=LocRef(device, user),
        cred=cred,
    )
    sync_alert = Alert(
        cmd_id="1",
        data=AlertCode.TWO_WAY,
        items=(Item(target=LocRef("contacts"), source=LocRef("./contacts"), meta=Meta(anchor=Anchor(next="1"))),),
    )
    request = Request(SyncML(header, (sync_alert,), final=True), Encoding.XML, ENDPOINT, client_address="192.0.2.1")
    status = handle_message(request, store, ctx).reply.commands[0]
    assert isinstance(status, Status)
    return status


def basic(user: str, password: str) -> Cred:
    return Cred(data=base64.b64encode(f"{user}:{password}".encode()).decode(), meta=Meta(type=AUTH_BASIC))


def md5(user: str, password: str, nonce: bytes) -> Cred:
    return Cred(data=md5_digest(md5_credential(user, password), nonce), meta=Meta(type=AUTH_MD5, format="b64"))


def test_a_basic_login_of_an_unknown_account_hashes_a_password_like_a_wrong_password_does(
    store: Store,
    computed: Counter[str],
) -> None:
    ctx = EngineContext()
    unknown = login(store, ctx, UNKNOWN, basic(UNKNOWN, "guess"))
    unknown_cost = computed.copy()
    computed.clear()
    wrong = login(store, ctx, ALICE, basic(ALICE, "guess"))
    assert unknown_cost == computed == Counter(scrypt=1)
    assert (unknown.data, unknown.chal) == (wrong.data, wrong.chal) == (401, wrong.chal)


def test_an_md5_login_of_an_unknown_account_computes_the_digests_a_wrong_password_does(
    store: Store,
    computed: Counter[str],
) -> None:
    ctx = EngineContext()
    nonce = Nonces(ctx.nonce_key, ctx.settings.challenge_window, ctx.settings.nonce_lifetime).signed(
        "phone-1", ctx.clock()
    )
    unknown = login(store, ctx, UNKNOWN, md5(UNKNOWN, "guess", nonce))
    unknown_cost = computed.copy()
    computed.clear()
    wrong = login(store, ctx, ALICE, md5(ALICE, "guess", nonce))
    assert unknown_cost == computed and computed["md5"] >= 2 and computed["scrypt"] == 0
    assert unknown.data == wrong.data == 401
    assert unknown.chal is not None and wrong.chal is not None
    assert unknown.chal.meta.next_nonce == wrong.chal.meta.next_nonce


def test_an_account_without_an_md5_secret_costs_the_same_and_never_logs_in_with_md5(
    store: Store,
    computed: Counter[str],
) -> None:
    """An account made under ``auth basic`` keeps no MD5 secret: a digest of an empty secret is no key."""
    with store.transaction() as tx:
        tx.set_credentials(ALICE, "", accounts.hash_password(PASSWORD), accounts.item_key(PASSWORD))
    ctx = EngineContext()
    nonce = Nonces(ctx.nonce_key, ctx.settings.challenge_window, ctx.settings.nonce_lifetime).signed(
        "phone-1", ctx.clock()
    )
    computed.clear()
    refused = login(store, ctx, ALICE, Cred(data=md5_digest("", nonce), meta=Meta(type=AUTH_MD5, format="b64")))
    without_secret = computed.copy()
    computed.clear()
    login(store, ctx, UNKNOWN, md5(UNKNOWN, "guess", nonce))
    assert refused.data == 401 and without_secret == computed
    assert login(store, ctx, ALICE, basic(ALICE, PASSWORD)).data == 212
