"""The ``store`` fixture: every contract test runs on each backend, SQLite in a real file."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncmld.store import MEMORY_URL, open_store, sqlite_url
from syncmld.store.base import Store


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(MEMORY_URL if request.param == "memory" else sqlite_url(tmp_path))
    yield opened
    opened.close()
