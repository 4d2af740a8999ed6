"""The store contract for the timeline of sync sessions and the counts of each hour, on every backend."""

from syncmld.store.base import HourCounts, Store, TimelineMessage, TimelineSession

HOUR = 3600.0


def message(session: str, account_id: int, msg_id: int, at: float, dump: str | None = None) -> TimelineMessage:
    return TimelineMessage(
        session=session,
        account_id=account_id,
        device_ref="IMEI:1",
        msg_id=str(msg_id),
        at=at,
        duration_ms=500.0,
        size_in=1200,
        size_out=800,
        encoding="xml",
        commands_in="Alert:1 Sync:1 Add:3",
        statuses_in="200:2",
        commands_out="Status:5 Sync:1",
        statuses_out="200:4 201:1",
        dump_in=dump,
        dump_out=dump,
    )


def account(store: Store, email: str) -> int:
    with store.transaction() as tx:
        return tx.add_account(email, "md5", "hash").id


def test_a_session_keeps_its_latest_messages_in_order(store: Store) -> None:
    anna, ben = account(store, "anna@example.org"), account(store, "ben@example.org")
    with store.transaction() as tx:
        for number in range(1, 6):
            tx.add_timeline_message(message("s-anna", anna, number, 1000.0 + number, dump=f"<SyncML>{number}"), keep=3)
        tx.add_timeline_message(message("s-ben", ben, 1, 2000.0), keep=3)
        tx.add_timeline_message(message("s-none", ben, 1, 2100.0), keep=0)
    with store.transaction() as tx:
        kept = tx.session_timeline("s-anna")
        assert [entry.msg_id for entry in kept] == ["3", "4", "5"]
        assert kept[0] == message("s-anna", anna, 3, 1003.0, dump="<SyncML>3")
        assert tx.session_timeline("s-ben") == [message("s-ben", ben, 1, 2000.0)]
        assert tx.session_timeline("s-none") == []
        assert tx.list_timeline_sessions(None, 10) == [
            TimelineSession("s-ben", ben, "IMEI:1", 2000.0, 2000.5, 1),
            TimelineSession("s-anna", anna, "IMEI:1", 1003.0, 1005.5, 3),
        ]
        assert tx.list_timeline_sessions(anna, 10) == [TimelineSession("s-anna", anna, "IMEI:1", 1003.0, 1005.5, 3)]
        assert [found.session for found in tx.list_timeline_sessions(None, 1)] == ["s-ben"]


def test_old_messages_are_purged_and_an_account_takes_its_own_along(store: Store) -> None:
    anna, ben = account(store, "anna@example.org"), account(store, "ben@example.org")
    with store.transaction() as tx:
        tx.add_timeline_message(message("old", anna, 1, 100.0), keep=10)
        tx.add_timeline_message(message("new", anna, 1, 300.0), keep=10)
        tx.add_timeline_message(message("ben", ben, 1, 300.0), keep=10)
    with store.transaction() as tx:
        assert tx.purge_timeline(200.0) == 1
        assert tx.session_timeline("old") == []
        tx.remove_account("anna@example.org")
    with store.transaction() as tx:
        assert tx.session_timeline("new") == []
        assert [found.session for found in tx.list_timeline_sessions(None, 10)] == ["ben"]


def test_hour_counts_add_up_and_old_hours_are_purged(store: Store) -> None:
    with store.transaction() as tx:
        tx.count_hour(HourCounts(100, syncs=2))
        tx.count_hour(HourCounts(100, syncs=1, failed=1))
        tx.count_hour(HourCounts(101, refused_logins=3))
        tx.count_hour(HourCounts(90, syncs=7))
    with store.transaction() as tx:
        assert tx.hour_counts(95) == [HourCounts(100, 3, 1, 0), HourCounts(101, 0, 0, 3)]
        assert tx.purge_hour_counts(100) == 1
        assert tx.hour_counts(0) == [HourCounts(100, 3, 1, 0), HourCounts(101, 0, 0, 3)]


def test_a_failed_transaction_leaves_no_timeline(store: Store) -> None:
    anna = account(store, "anna@example.org")
    try:
        with store.transaction() as tx:
            tx.add_timeline_message(message("s", anna, 1, 1.0), keep=10)
            tx.count_hour(HourCounts(1, syncs=1))
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    with store.transaction() as tx:
        assert tx.session_timeline("s") == [] and tx.hour_counts(0) == []
