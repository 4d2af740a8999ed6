"""Fixtures of the mail tests: one real Dovecot and one SMTP sink per test session, a fresh mailbox per test,
and the engine's side (a store, the mailbox's account on it) for the tests that run the engine in process."""

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncmld.store.base import Store
from tests.cli.conftest import syncmld  # noqa: F401 (the fixture, for the command line tests)
from tests.mail.dovecot import DOVECOT, Dovecot, SmtpSink
from tests.mail.engine_side import MailSetup, set_up
from tests.store.backends import empty_store_url, open_empty_store

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if not os.path.exists(DOVECOT):
        pytest.skip(f"Dovecot is not installed ({DOVECOT}; Debian package dovecot-imapd)")
    running = Dovecot.start()
    yield running
    running.remove()


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    yield sink
    sink.stop()


@pytest.fixture
def mailbox(dovecot: Dovecot) -> tuple[str, str]:
    """A new mail user on the Dovecot (address, password): tests do not see each other's mail."""
    email = f"user{next(_numbers)}@example.com"
    password = f"pw-{email}"
    dovecot.add_user(email, password)
    return email, password


@pytest.fixture
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The engine's store: SQLite, or the backend a module parametrizes ``store`` with (indirect)."""
    with empty_store_url(getattr(request, "param", "sqlite"), tmp_path) as url:
        opened = open_empty_store(url)
        yield opened
        opened.close()


@pytest.fixture
def setup(store: Store, dovecot: Dovecot, smtp_sink: SmtpSink, mailbox: tuple[str, str]) -> MailSetup:
    """The mailbox's account on the store, its domain's mail on the Dovecot, an engine that reaches it."""
    return set_up(store, dovecot, smtp_sink, *mailbox)
