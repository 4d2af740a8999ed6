"""Every recorded device session replayed whole against one real ``syncmld serve`` (``harness``), each
session checked (``checks``), the devices' folders read back by SyncEvolution as a second device, and
``docs/compatibility.md`` compared with what the harness sees.

About a minute: the replay itself takes ~10 s, each SyncEvolution read-back ~1.5 s. Marked ``slow``:
``pytest -m "not slow"`` leaves it out of a fast inner loop.
"""

import difflib
from collections.abc import Iterator
from pathlib import Path

import pytest

from .cases import CASES, Case
from .checks import facts_of, readback_difference, session_problems, unmapped
from .compatibility import DOCUMENT, REGENERATE, render
from .harness import CaseRun, Harness, folder_name, running_harness
from .readback import read_back

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


class Replays:
    """Each case played once, when a test first needs it."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.runs: dict[str, CaseRun] = {}

    def of(self, case: Case) -> CaseRun:
        if case.key not in self.runs:
            self.runs[case.key] = self.harness.run(case)
        return self.runs[case.key]

    def all(self) -> list[CaseRun]:
        return [self.of(case) for case in CASES]


@pytest.fixture(scope="module")
def replays(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replays]:
    with running_harness(tmp_path_factory.mktemp("replay") / "data", CASES) as harness:
        yield Replays(harness)


def _known_defects(reasons: tuple[str, ...]) -> list[pytest.MarkDecorator]:
    if not reasons:
        return []
    return [pytest.mark.xfail(strict=True, raises=AssertionError, reason="; ".join(reasons))]


SESSIONS = [
    pytest.param(case, index, id=case.session_label(index), marks=_known_defects(plan.xfail))
    for case in CASES
    for index, plan in enumerate(case.sessions)
]
READBACKS = [pytest.param(case, folder, id=f"{case.key}-{folder}") for case in CASES for folder in case.readback]


def test_every_device_session_is_replayed() -> None:
    assert sum(len(case.sessions) for case in CASES) >= 50
    assert len({case.key for case in CASES}) == len(CASES)


@pytest.mark.parametrize(("case", "index"), SESSIONS)
def test_session_goes_as_with_a_working_server(replays: Replays, case: Case, index: int) -> None:
    problems = session_problems(case, replays.of(case).sessions[index])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("case", "folder"), READBACKS)
def test_syncevolution_receives_what_the_device_holds(
    replays: Replays, interop_dir: Path, tmp_path: Path, case: Case, folder: str
) -> None:
    run = replays.of(case)
    last = run.sessions[-1]
    [synced] = [result for result in last.result.folders.values() if folder_name(case, result) == folder]
    server = last.server[folder]
    expected = facts_of(last.result.device.get(synced.client_uri, {})) + facts_of(unmapped(server))
    assert expected, "nothing to read back"

    received = read_back(interop_dir, tmp_path, replays.harness.server.url, run.login, folder)

    difference = readback_difference(expected, facts_of(received))
    assert not difference, difference


def test_compatibility_page_says_what_the_harness_sees(replays: Replays) -> None:
    page = render(replays.all())
    committed = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.exists() else ""
    diff = "".join(difflib.unified_diff(committed.splitlines(True), page.splitlines(True), "committed", "harness"))
    assert committed == page, f"{DOCUMENT.name} is out of date; write it again with `{REGENERATE}`:\n{diff[:4000]}"
