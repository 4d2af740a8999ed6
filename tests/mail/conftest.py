"""Fixtures of the mail tests: one real Dovecot and one SMTP sink per test session, a fresh mailbox per test."""

import itertools
import os
from collections.abc import Iterator

import pytest

from tests.cli.conftest import syncmld  # noqa: F401 (the fixture, for the command line tests)
from tests.mail.dovecot import DOVECOT, Dovecot, SmtpSink

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
