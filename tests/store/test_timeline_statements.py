"""What keeping a message in its session's timeline costs the SQL stores: a session under its bound is not trimmed
(one statement a message, not two); at its bound it is, and keeps its latest messages."""

from syncmld.store.base import Store, TimelineMessage
from tests.statements import recorded_statements


def message(session: str, account_id: int, number: int) -> TimelineMessage:
    return TimelineMessage(
        session=session,
        account_id=account_id,
        device_ref="IMEI:1",
        msg_id=str(number),
        at=1000.0 + number,
        duration_ms=1.0,
        size_in=100,
        size_out=200,
        encoding="xml",
        commands_in="Sync:1",
        statuses_in="",
        commands_out="",
        statuses_out="200:1",
    )


def test_a_session_under_its_bound_is_not_trimmed_and_one_at_it_keeps_its_latest(sql_store: Store) -> None:
    with sql_store.transaction() as tx:
        account = tx.add_account("anna@example.org", "", "")
    with recorded_statements() as seen, sql_store.transaction() as tx:
        for number in range(1, 4):
            tx.add_timeline_message(message("s", account.id, number), keep=5)
    assert [s for s in seen if s.startswith("DELETE")] == []

    with sql_store.transaction() as tx:
        for number in range(4, 9):
            tx.add_timeline_message(message("s", account.id, number), keep=5)
            tx.add_timeline_message(message("other", account.id, number), keep=5)
        assert [kept.msg_id for kept in tx.session_timeline("s")] == ["4", "5", "6", "7", "8"]
        assert len(tx.session_timeline("other")) == 5
