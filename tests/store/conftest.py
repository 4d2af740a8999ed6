"""The ``store`` fixture: every contract test runs on each backend (see ``tests.store.backends``)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncmld.store import open_store
from syncmld.store.base import Store
from tests.store.backends import BACKENDS, empty_store_url


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with empty_store_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    yield opened
    opened.close()
