"""Fixtures shared by every test area: where the repository and ``../shared`` are."""

from pathlib import Path

import pytest

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
