"""Fixtures shared by every test area: where the repository and ``../shared`` are; Hypothesis profiles."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from syncmld.server_key import KEY_FILE_ENV, KEY_FILE_NAME

# CI draws the same examples on every run, so whether a change lands does not depend on chance; runs
# elsewhere draw new examples each time and keep finding what CI would not.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository checkout."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``shared/`` beside the checkout: SyncEvolution harness, recordings, docs (read-only)."""
    shared = REPO_ROOT.parent / "shared"
    if not shared.is_dir():
        pytest.fail(f"{shared} is missing: the tests need ../shared beside the repository")
    return shared


@pytest.fixture(autouse=True, scope="session")
def server_key_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The server key of every store a test opens without naming one (PostgreSQL stores need it), and of
    the servers and commands the tests start."""
    path = tmp_path_factory.mktemp("server-key") / KEY_FILE_NAME
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_FILE_ENV, str(path))
        yield path


LONG_AREAS = ("interop", "upstream", "mail", "push", "replay")
"""Test areas that start real outside servers or clients: their tests take seconds each."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the long modules first (those of the long areas and any with a slow test), each kept whole, so
    that the workers end on short tests together instead of one worker finishing a long test alone."""
    long_modules = {
        item.path
        for item in items
        if item.get_closest_marker("slow") or item.path.relative_to(REPO_ROOT).parts[1] in LONG_AREAS
    }
    items.sort(key=lambda item: item.path not in long_modules)
