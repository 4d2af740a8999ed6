"""A process remembers the sessions it answered lately, as many as it is allowed, for the session lifetime."""

from syncmld.server.live_sessions import LiveSessions


def test_a_session_is_remembered_for_the_session_lifetime_after_its_last_answer() -> None:
    live = LiveSessions(size=10, lifetime=60.0)
    live.note("t1", 1000.0)

    assert live.knows("t1", 1059.0)
    assert not live.knows("t1", 1060.0)
    assert not live.knows("t2", 1000.0)
    live.note("t1", 1050.0)
    assert live.knows("t1", 1100.0)


def test_beyond_its_size_the_session_answered_longest_ago_is_forgotten() -> None:
    live = LiveSessions(size=2, lifetime=60.0)
    live.note("t1", 1000.0)
    live.note("t2", 1001.0)
    live.note("t1", 1002.0)
    live.note("t3", 1003.0)

    assert [live.knows(token, 1004.0) for token in ("t1", "t2", "t3")] == [True, False, True]


def test_a_refused_session_is_forgotten_and_none_is_remembered_at_size_zero() -> None:
    live = LiveSessions(size=2, lifetime=60.0)
    live.note("t1", 1000.0)
    live.forget("t1")
    none = LiveSessions(size=0, lifetime=60.0)
    none.note("t1", 1000.0)

    assert not live.knows("t1", 1001.0)
    assert not none.knows("t1", 1001.0)
