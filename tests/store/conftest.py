"""The ``store`` fixture: every contract test runs on each backend (see ``tests.store.backends``); ``sql_store`` for the
tests that hold to the SQL stores only."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncmld.store.base import Store
from tests.store.backends import BACKENDS, empty_store_url, open_empty_store


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with empty_store_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_empty_store(store_url)
    yield opened
    opened.close()


@pytest.fixture(params=["sqlite", "postgres"])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A new empty SQLite or PostgreSQL store."""
    with empty_store_url(request.param, tmp_path) as url:
        opened = open_empty_store(url)
        yield opened
        opened.close()
