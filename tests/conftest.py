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
