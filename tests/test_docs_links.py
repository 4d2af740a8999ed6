"""The README and the pages under docs/ point only inside the repository, and every link resolves: to
a file that exists and, with ``#anchor``, to a heading of that page."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
OUTSIDE = re.compile(r"product §|\.\./shared/docs|/work/")
"""What points at documents outside the repository."""


def anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, blanks as hyphens."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.DOTALL)
    return LINK.findall(text)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_link_resolves_inside_the_repository(page: Path) -> None:
    for target in links(page):
        assert "://" not in target, f"{page.name} links outside the repository: {target}"
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.is_file(), f"{page.name}: {target} names no file of the repository"
        assert resolved.is_relative_to(ROOT), f"{page.name}: {target} is outside the repository"
        if anchor:
            assert anchor in anchors(resolved), f"{page.name}: {target}: no such heading in {resolved.name}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_no_page_sends_readers_outside_the_repository(page: Path) -> None:
    assert not OUTSIDE.search(page.read_text()), OUTSIDE.search(page.read_text())
