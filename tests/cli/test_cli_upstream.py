"""``syncmld upstream add/list/remove/check`` against a real Radicale, in process: what they print, what they
keep, and that the upstream password is never shown."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from syncmld.store import sqlite_url
from syncmld.store.upstreams import UpstreamStatus
from tests.cli.conftest import Syncmld, assert_one_error_line
from tests.cli.test_cli_admin import transaction
from tests.cli.test_cli_serve import SERVING, serving, wait_for_log
from tests.interop.dav_peers import Peer, radicale

EMAIL = "anna@example.org"


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    with radicale(tmp_path_factory.mktemp("radicale")) as running:
        running.seed(3, 2)
        yield running


@pytest.fixture
def data_dir(syncmld: Syncmld, tmp_path: Path) -> Path:
    assert syncmld("account", "add", EMAIL, "--password", "pw", "--data-dir", str(tmp_path)).exit_code == 0
    return tmp_path


def add(syncmld: Syncmld, data_dir: Path, peer: Peer, *options: str, password: str | None = None) -> str:
    run = syncmld(
        "upstream", "add", EMAIL, peer.root, "--user", peer.user, "--password", password or peer.password,
        "--data-dir", str(data_dir), *options,
    )  # fmt: skip
    assert run.exit_code == 0, run.err
    return run.out


def test_add_discovers_the_collections_from_the_server_root_and_links_them(
    syncmld: Syncmld, data_dir: Path, peer: Peer
) -> None:
    out = add(syncmld, data_dir, peer)
    assert out.splitlines()[0] == f"linked {EMAIL} to {peer.root} as anna: 2 folders"
    assert f"  contacts <- VCARD of {peer.contacts} (address book 'Contacts': VCARD; sync-collection)" in out
    assert f"  events <- VEVENT of {peer.calendar} (calendar 'Calendar': VEVENT; sync-collection)" in out
    listed = syncmld("upstream", "list", EMAIL, "--data-dir", str(data_dir)).out.splitlines()
    assert listed[0] == f"{EMAIL}: {peer.root} as anna (ok)"
    assert listed[1:] == [
        f"  contacts <- VCARD of {peer.contacts} (0 linked items)",
        f"  events <- VEVENT of {peer.calendar} (0 linked items)",
    ]
    assert peer.password not in out + "\n".join(listed)


def test_the_upstream_password_is_kept_sealed(syncmld: Syncmld, data_dir: Path, peer: Peer) -> None:
    add(syncmld, data_dir, peer)
    engine = create_engine(sqlite_url(data_dir))
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT password FROM upstreams")).scalar_one()
    engine.dispose()
    assert peer.password not in kept and kept.startswith("sealed1:")
    with transaction(data_dir) as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        link = tx.get_upstream(account.id)
    assert link is not None and link.password == peer.password


def test_map_links_a_collection_to_another_folder(syncmld: Syncmld, data_dir: Path, peer: Peer) -> None:
    out = add(syncmld, data_dir, peer, "--map", "contacts=Friends")
    assert f"  Friends <- VCARD of {peer.contacts}" in out
    with transaction(data_dir) as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        assert tx.get_folder(account.id, "Friends") is not None


def test_check_shows_what_would_be_linked_and_changes_nothing(syncmld: Syncmld, data_dir: Path, peer: Peer) -> None:
    add(syncmld, data_dir, peer)
    checked = syncmld("upstream", "check", EMAIL, "--map", "calendar=Work", "--data-dir", str(data_dir))
    assert checked.exit_code == 0, checked.err
    assert f"  Work <- VEVENT of {peer.calendar}" in checked.out
    listed = syncmld("upstream", "list", EMAIL, "--data-dir", str(data_dir)).out
    assert f"  events <- VEVENT of {peer.calendar}" in listed and "Work" not in listed


def test_remove_unlinks_and_a_second_remove_is_one_error_line(syncmld: Syncmld, data_dir: Path, peer: Peer) -> None:
    add(syncmld, data_dir, peer)
    assert (
        syncmld("upstream", "remove", EMAIL, "--data-dir", str(data_dir)).out == f"unlinked {EMAIL} from its upstream\n"
    )
    assert_one_error_line(syncmld("upstream", "remove", EMAIL, "--data-dir", str(data_dir)), "has no upstream")
    assert_one_error_line(syncmld("upstream", "list", EMAIL, "--data-dir", str(data_dir)), "has no upstream")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--password", "not-the-password-42"), ("the upstream refused user anna", "401")),
        (("--map", "nothing=tasks"), ("0 collections are named 'nothing'",)),
        (("--map", "contacts"), ("'contacts' is not REMOTE=FOLDER",)),
    ],
)
def test_add_that_cannot_be_done_is_one_error_line_and_keeps_nothing(
    syncmld: Syncmld, data_dir: Path, peer: Peer, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    run = syncmld(
        "upstream", "add", EMAIL, peer.root, "--user", peer.user, "--password", peer.password,
        "--data-dir", str(data_dir), *args,
    )  # fmt: skip
    assert_one_error_line(run, *fragments)
    assert "not-the-password-42" not in run.err
    with transaction(data_dir) as tx:
        assert tx.list_upstreams() == []


def test_add_of_an_unreachable_server_is_one_error_line(syncmld: Syncmld, data_dir: Path) -> None:
    run = syncmld(
        "upstream",
        "add",
        EMAIL,
        "http://127.0.0.1:9/",
        "--user",
        "anna",
        "--password",
        "pw",
        "--data-dir",
        str(data_dir),
    )
    assert_one_error_line(run, "no CalDAV/CardDAV collections found at http://127.0.0.1:9/")


def test_serve_takes_the_upstream_options(syncmld: Syncmld, data_dir: Path, peer: Peer) -> None:
    """An upstream that failed is tried again every --upstream-retry-interval, and an answer over
    --upstream-max-answer fails it: both named by the log line."""
    add(syncmld, data_dir, peer)
    with transaction(data_dir) as tx:
        account = tx.get_account(EMAIL)
        assert account is not None
        tx.set_upstream_status(account.id, UpstreamStatus.FAILING, "down a moment ago", 0.0)
    log_path = data_dir / "serve.log"
    options = ("--upstream-retry-interval", "0.5", "--upstream-timeout", "5", "--upstream-max-answer", "300")
    with serving(log_path, data_dir, *options) as process:
        wait_for_log(log_path, SERVING, process)
        found = wait_for_log(log_path, re.compile(r"pull\+push failed, tried again in 0.5 s: (.*)"), process)
        assert found.group(1).endswith("the answer is larger than 300 bytes")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://anna:secret@dav.example.net/", "not in the URL"),
        ("ftp://dav.example.net/", "is not an http:// or https:// URL"),
        ("dav.example.net", "is not an http:// or https:// URL"),
    ],
)
def test_add_refuses_a_url_that_is_no_dav_server_or_holds_a_password(
    syncmld: Syncmld, data_dir: Path, url: str, fragment: str
) -> None:
    run = syncmld("upstream", "add", EMAIL, url, "--user", "anna", "--password", "pw", "--data-dir", str(data_dir))
    assert_one_error_line(run, fragment)
    assert "secret" not in run.err
