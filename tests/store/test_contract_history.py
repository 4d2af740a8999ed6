"""The store contract for change sessions: every item write recorded with the versions before and after,
checked on every backend."""

import pytest

from syncmld.store import MEMORY_URL
from syncmld.store.base import Change, ChangeSessionSpec, ChangeSource, HistoryEntry, NewItem, Store
from tests.statements import recorded_statements
from tests.store.sample import Abort, make_owner, vcard


def spec(account_id: int, device_id: int | None = None, key: str | None = None, at: float = 100.0) -> ChangeSessionSpec:
    return ChangeSessionSpec(account_id, ChangeSource.SYNC, "IMEI:1", at, device_id, key)


def test_writes_without_a_session_are_not_recorded(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.put_items(owner.folder_id, [vcard("a")], owner.device_id)
        assert tx.recording_session() is None
        assert tx.list_change_sessions(owner.account_id) == []


def test_each_write_is_recorded_with_the_versions_before_and_after(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        (kept, gone) = tx.put_items(owner.folder_id, [vcard("kept"), vcard("gone")], None)
    with store.transaction() as tx:
        tx.record_changes_as(spec(owner.account_id, owner.device_id))
        (added,) = tx.put_items(owner.folder_id, [vcard("new")], owner.device_id)
        tx.put_items(owner.folder_id, [vcard("kept 2", kept.guid)], owner.device_id)
        tx.delete_items(owner.folder_id, [gone.guid, "unknown"], owner.device_id)
        session_id = tx.recording_session()
    assert session_id is not None
    with store.transaction() as tx:
        session = tx.get_change_session(session_id)
        assert session is not None
        assert (session.account_id, session.source, session.label, session.device_id) == (
            owner.account_id,
            ChangeSource.SYNC,
            "IMEI:1",
            owner.device_id,
        )
        changes = tx.session_changes(session_id)
    assert [(c.guid, c.change, c.version_before, c.version_after) for c in changes] == [
        (added.guid, Change.ADDED, 0, 1),
        (kept.guid, Change.REPLACED, 1, 2),
        (gone.guid, Change.DELETED, 1, 2),
    ]
    assert [c.seq_after for c in changes] == sorted(c.seq_after for c in changes)
    assert changes[0].before is None
    assert changes[1].before is not None and changes[1].before.data == kept.data
    assert changes[1].seq_before == kept.seq
    assert changes[2].before is not None and changes[2].before.data == gone.data


def test_a_tombstone_brought_back_is_an_add_without_content_before(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        (item,) = tx.put_items(owner.folder_id, [vcard("a")], None)
        tx.delete_items(owner.folder_id, [item.guid], None)
        tx.record_changes_as(spec(owner.account_id))
        tx.put_items(owner.folder_id, [vcard("again", item.guid), vcard("twice", item.guid)], None)
        session_id = tx.recording_session()
        assert session_id is not None
        changes = tx.session_changes(session_id)
    assert [(c.change, c.version_before, c.version_after) for c in changes] == [
        (Change.ADDED, 2, 3),
        (Change.REPLACED, 3, 4),
    ]
    assert changes[0].before is None
    assert changes[1].before is not None and b"again" in changes[1].before.data


def test_the_transactions_of_one_key_make_one_session_and_counts_are_per_folder(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        notes = tx.ensure_folder(owner.account_id, "Notes").id
    for text in ("a", "b"):
        with store.transaction() as tx:
            tx.record_changes_as(spec(owner.account_id, owner.device_id, key="k1"))
            tx.put_items(owner.folder_id, [vcard(text)], owner.device_id)
    with store.transaction() as tx:
        tx.record_changes_as(spec(owner.account_id, owner.device_id, key="k2", at=200.0))
        (note,) = tx.put_items(notes, [NewItem(None, "text/plain", b"n")], owner.device_id)
        tx.delete_items(notes, [note.guid], owner.device_id)
    with store.transaction() as tx:
        listed = tx.list_change_sessions(owner.account_id)
        assert [(e.session.label, e.folder_id, e.added, e.replaced, e.deleted) for e in listed] == [
            ("IMEI:1", owner.folder_id, 2, 0, 0),
            ("IMEI:1", notes, 1, 0, 1),
        ]
        assert [e.folder_id for e in tx.list_change_sessions(owner.account_id, folder_id=notes)] == [notes]
        assert [e.session.started_at for e in tx.list_change_sessions(owner.account_id, since=150.0)] == [200.0]


def test_item_states_include_tombstones(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        (live, dead) = tx.put_items(owner.folder_id, [vcard("a"), vcard("b")], None)
        tx.delete_items(owner.folder_id, [dead.guid], None)
        states = tx.item_states(owner.folder_id, [live.guid, dead.guid, "unknown"])
    assert set(states) == {live.guid, dead.guid}
    assert states[dead.guid].deleted and not states[live.guid].deleted


def test_old_sessions_are_purged_with_their_changes(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.record_changes_as(spec(owner.account_id, at=10.0))
        tx.put_items(owner.folder_id, [vcard("old")], None)
        old = tx.recording_session()
        tx.record_changes_as(spec(owner.account_id, at=20.0))
        tx.put_items(owner.folder_id, [vcard("new")], None)
    with store.transaction() as tx:
        assert tx.purge_change_sessions(15.0) == 1
    with store.transaction() as tx:
        assert old is not None and tx.get_change_session(old) is None and tx.session_changes(old) == []
        assert [e.session.started_at for e in tx.list_change_sessions(owner.account_id)] == [20.0]


def test_a_rolled_back_transaction_records_nothing(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
    with pytest.raises(Abort), store.transaction() as tx:
        tx.record_changes_as(spec(owner.account_id))
        tx.put_items(owner.folder_id, [vcard("a")], None)
        raise Abort
    with store.transaction() as tx:
        assert tx.list_change_sessions(owner.account_id) == []


def test_the_content_before_a_write_is_kept_once_as_an_earlier_version_of_the_item(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        (by_engine, by_store) = tx.put_items(owner.folder_id, [vcard("a"), vcard("b")], None)
    with store.transaction() as tx:
        tx.record_changes_as(spec(owner.account_id, at=100.0))
        engine_kept = HistoryEntry(
            owner.folder_id, by_engine.guid, by_engine.content_type, by_engine.data, "replaced", 90.0, by_engine.seq
        )
        tx.keep_history([engine_kept])
        (_, replaced) = tx.put_items(owner.folder_id, [vcard("a 2", by_engine.guid), vcard("b 2", by_store.guid)], None)
        tx.delete_items(owner.folder_id, [by_store.guid], None)
        session_id = tx.recording_session()
    assert session_id is not None
    with store.transaction() as tx:
        assert tx.list_history(owner.folder_id, by_engine.guid) == [engine_kept]
        kept = tx.list_history(owner.folder_id, by_store.guid)
        before = [change.before for change in tx.session_changes(session_id)]
    assert [(entry.data, entry.seq, entry.saved_at) for entry in kept] == [
        (by_store.data, by_store.seq, 100.0),
        (replaced.data, replaced.seq, 100.0),
    ]
    assert [entry.reason for entry in kept] == [
        f"{change} in change session {session_id}" for change in ("replaced", "deleted")
    ]
    assert [item.data if item else None for item in before] == [by_engine.data, by_store.data, kept[1].data]


def test_recording_the_erase_of_a_large_folder_takes_a_few_statements_per_500_items(
    store: Store, store_url: str
) -> None:
    if store_url == MEMORY_URL:
        pytest.skip("statements are counted on the SQL stores")
    with store.transaction() as tx:
        owner = make_owner(tx)
        items = tx.put_items(owner.folder_id, [vcard(f"contact {n}") for n in range(2000)], None)
    with recorded_statements() as statements, store.transaction() as tx:
        tx.record_changes_as(spec(owner.account_id, owner.device_id))
        tx.delete_items(owner.folder_id, [item.guid for item in items], owner.device_id)
        session_id = tx.recording_session()
    assert session_id is not None
    with store.transaction() as tx:
        assert len(tx.session_changes(session_id)) == 2000
    assert len(statements) <= 40, statements


@pytest.mark.parametrize("count", [1, 3, 255, 256, 257, 600])
def test_batches_of_any_count_are_written_and_recorded_whole_and_in_order(store: Store, count: int) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        replaced = tx.put_items(owner.folder_id, [vcard(f"old {n}") for n in range(count // 2)], None)
    with store.transaction() as tx:
        tx.record_changes_as(spec(owner.account_id, owner.device_id))
        news = [vcard(f"new {n}") for n in range(count - len(replaced))]
        written = tx.put_items(
            owner.folder_id, [*(vcard("changed", item.guid) for item in replaced), *news], owner.device_id
        )
        tx.set_maps(
            owner.device_id, owner.folder_id, {item.guid: f"luid {n}" for n, item in enumerate(written)}, new=True
        )
        session_id = tx.recording_session()
    assert session_id is not None
    with store.transaction() as tx:
        changes = tx.session_changes(session_id)
        assert [(change.guid, change.change, change.seq_after) for change in changes] == [
            (item.guid, Change.REPLACED if n < len(replaced) else Change.ADDED, item.seq)
            for n, item in enumerate(written)
        ]
        assert [change.before.data if change.before else None for change in changes[: len(replaced)]] == [
            item.data for item in replaced
        ]
        stored = tx.get_items(owner.folder_id, [item.guid for item in written])
        assert [stored[item.guid].data for item in written] == [item.data for item in written]
        assert tx.all_maps(owner.device_id, owner.folder_id) == {
            item.guid: f"luid {n}" for n, item in enumerate(written)
        }
