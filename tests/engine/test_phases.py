"""The phase table: the package flow of a session, read in one place."""

import pytest

from syncmld.engine.phases import STEPS, Action, Event, package_end, step
from syncmld.engine.session import Phase


def test_a_two_way_sync_goes_through_every_phase_in_order() -> None:
    phase, actions = Phase.INIT, []
    for event in (Event.ALERTS, Event.CHANGES, Event.ALL_SENT, Event.MAPS):
        found = step(phase, event)
        assert found is not None
        phase = found.to
        actions.append(found.action)
    assert phase is Phase.DONE
    assert actions == [Action.ASK_FOR_DEVINF, Action.PLAN_CHANGES, Action.NONE, Action.FINISH]


def test_a_first_package_with_its_changes_goes_straight_to_sending() -> None:
    event = package_end(Phase.INIT, saw_sync=True, alerted=True)
    assert event is Event.CHANGES
    assert step(Phase.INIT, event) == STEPS[(Phase.INIT, Event.CHANGES)]


def test_an_init_package_of_devinf_alone_leaves_the_session_in_init() -> None:
    assert package_end(Phase.INIT, saw_sync=False, alerted=False) is None
    assert step(Phase.INIT, None) is None


def test_a_sync_without_a_map_package_ends_when_everything_is_sent() -> None:
    sent = step(Phase.SENDING, Event.ALL_SENT)
    assert sent is not None and sent.to is Phase.MAP
    done = step(sent.to, Event.NOTHING_TO_MAP)
    assert done is not None and (done.to, done.action) == (Phase.DONE, Action.FINISH)


@pytest.mark.parametrize("phase", [Phase.SENDING, Phase.DONE])
def test_a_final_message_where_no_package_ends_changes_nothing(phase: Phase) -> None:
    assert step(phase, package_end(phase, saw_sync=True, alerted=True)) is None
