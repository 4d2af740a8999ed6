"""The decision table of product.md §2, row by row, with both anchor outcomes."""

import pytest

from syncmld.engine.modes import MODE_DECISIONS, SyncMode, decide_mode, wire_alert
from syncmld.engine.params import parse_params
from syncmld.status import StatusCode

ALERT = {1: 200, 2: 201, 3: 202, 4: 203, 5: 204, 6: 205}

# (client asks, URL asks, runs when anchors equal, runs when not equal)
TABLE = [
    (1, None, 1, 2),
    (1, 1, 1, 2),
    (1, 3, 3, 7),
    (1, 5, 5, 8),
    *[(1, url, url, url) for url in (2, 4, 6, 7, 8, 9)],
    *[(3, url, 3, 7) for url in (None, *range(1, 10))],
    *[(5, url, 5, 8) for url in (None, *range(1, 10))],
    *[(client, url, client, client) for client in (2, 4, 6) for url in (None, *range(1, 10))],
]


@pytest.mark.parametrize(("client", "url", "equal", "different"), TABLE)
def test_decision_table(client: int, url: int | None, equal: int, different: int) -> None:
    same = decide_mode(ALERT[client], url, "A1", "A1")
    assert same.mode == equal, same.reason
    changed = decide_mode(ALERT[client], url, "A0", "A1")
    assert changed.mode == different, changed.reason
    first = decide_mode(ALERT[client], url, None, None)
    assert first.mode == different, first.reason


def test_every_client_mode_and_url_value_has_exactly_one_row() -> None:
    for client in (1, 2, 3, 4, 5, 6):
        for url in (None, *range(1, 10)):
            rows = [
                rule
                for rule in MODE_DECISIONS
                if SyncMode(client) in rule.client and (SyncMode(url) if url else None) in rule.url
            ]
            assert len(rows) == 1, (client, url)


def test_status_tells_the_client_when_it_must_slow_sync() -> None:
    assert decide_mode(200, None, "A1", "A1").status == StatusCode.OK
    assert decide_mode(200, None, "A0", "A1").status == StatusCode.REFRESH_REQUIRED
    assert decide_mode(200, 8, "A1", "A1").status == StatusCode.REFRESH_REQUIRED
    assert decide_mode(201, None, None, None).status == StatusCode.OK
    assert "anchors differ" in decide_mode(200, None, "A0", "A1").reason


@pytest.mark.parametrize("url", [None, 1, 2, 7, 8, 9])
def test_funambol_250_runs_one_way_from_client_whatever_the_anchors_and_the_url(url: int | None) -> None:
    for last, stored in (("A1", "A1"), ("A0", "A1"), (None, None)):
        decision = decide_mode(250, url, last, stored)
        assert (decision.mode, decision.status) == (SyncMode.ONE_WAY_FROM_CLIENT, StatusCode.OK), decision.reason
    assert wire_alert(SyncMode.ONE_WAY_FROM_CLIENT, 250) == 250
    assert wire_alert(SyncMode.ONE_WAY_FROM_CLIENT, 202) == 202


def test_the_last_anchor_of_the_completed_sync_before_counts_as_equal() -> None:
    missed = decide_mode(200, None, "A0", "A1", started_anchor="A0")
    assert (missed.mode, missed.status, missed.missed_end) == (SyncMode.TWO_WAY, StatusCode.OK, True)
    assert "missed its end" in missed.reason
    assert decide_mode(202, None, "A0", "A1", started_anchor="A0").mode == SyncMode.ONE_WAY_FROM_CLIENT
    other = decide_mode(200, None, "A9", "A1", started_anchor="A0")
    assert (other.mode, other.missed_end) == (SyncMode.SLOW, False)
    empty = decide_mode(200, None, "", "A1", started_anchor="")
    assert (empty.mode, empty.missed_end) == (SyncMode.SLOW, False)


@pytest.mark.parametrize(
    "url",
    [
        "http://h/syncml?sync=2,#backup=nokia,#format=vob",
        "http://h/syncml?SYNC=2,&Backup=nokia,&FORMAT=VOB,",
        "http://h/syncml?sync=2%23backup=nokia%23format=vob",
    ],
)
def test_both_separators_mean_the_same(url: str) -> None:
    params = parse_params(url)
    assert (params.sync, params.backup, params.format, params.errors) == (2, "nokia", "vob", [])


def test_bare_flags_and_bad_values() -> None:
    params = parse_params("http://h/syncml?reset,&push&backup&sync=12&color=red")
    assert params.reset and params.push
    assert params.backup == ""
    assert params.sync is None
    assert params.errors == ["sync=12: the sync mode must be a number from 1 to 9"]
