"""The store contract for transactions: all or nothing, concurrent writers, data that lasts; checked on
every backend."""

import threading
from pathlib import Path

import pytest

from syncmld.store import open_store, sqlite_url
from syncmld.store.base import SessionRecord, Store, SyncState
from tests.store.sample import Abort, make_owner, vcard


def test_an_exception_rolls_the_whole_transaction_back(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        (item,) = tx.put_items(owner.folder_id, [vcard("kept")], None)
        seq_before = tx.current_seq()
    with pytest.raises(Abort), store.transaction() as tx:
        tx.add_account("bert@example.org", "md5", "hash")
        tx.put_items(owner.folder_id, [vcard("lost"), vcard("changed", guid=item.guid)], None)
        tx.delete_items(owner.folder_id, [item.guid], None)
        tx.set_maps(owner.device_id, owner.folder_id, {item.guid: "1"})
        tx.set_nonce("IMEI:1", "bm9uY2U=", 1.0)
        tx.add_session(SessionRecord("t", None, b"s", 1.0), None)
        raise Abort
    with store.transaction() as tx:
        assert tx.get_account("bert@example.org") is None
        assert list(tx.iter_items(owner.folder_id)) == [item]
        assert tx.current_seq() == seq_before
        assert tx.all_maps(owner.device_id, owner.folder_id) == {}
        assert tx.get_nonce("IMEI:1", issued_after=0.0) is None
        assert tx.load_session("t") is None


def test_two_threads_writing_at_once_both_succeed(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
    rounds = 15
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def write(name: str) -> None:
        try:
            start.wait()
            for n in range(rounds):
                with store.transaction() as tx:
                    tx.put_items(owner.folder_id, [vcard(f"{name}-{n}")], None)
                    tx.set_nonce(name, str(n), float(n + 1))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=write, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with store.transaction() as tx:
        changes = tx.changes_since(owner.folder_id, 0, tx.current_seq(), None)
        assert len(changes) == tx.count_items(owner.folder_id) == 2 * rounds
        assert len({item.seq for item in changes}) == 2 * rounds
        assert (tx.get_nonce("one", 0.0), tx.get_nonce("two", 0.0)) == (str(rounds - 1), str(rounds - 1))


def test_sqlite_data_survives_closing_and_reopening(tmp_path: Path) -> None:
    first = open_store(sqlite_url(tmp_path))
    with first.transaction() as tx:
        owner = make_owner(tx)
        (item,) = tx.put_items(owner.folder_id, [vcard("kept")], owner.device_id)
        tx.set_maps(owner.device_id, owner.folder_id, {item.guid: "1"})
        tx.set_sync_state(SyncState(owner.device_id, owner.folder_id, "c", "s", item.seq))
    first.close()
    reopened = open_store(sqlite_url(tmp_path))
    try:
        with reopened.transaction() as tx:
            assert [a.email for a in tx.list_accounts()] == ["anna@example.org"]
            assert list(tx.iter_items(owner.folder_id)) == [item]
            assert tx.current_seq() == item.seq
            assert tx.all_maps(owner.device_id, owner.folder_id) == {item.guid: "1"}
            assert tx.get_sync_state(owner.device_id, owner.folder_id) is not None
    finally:
        reopened.close()


def test_a_reading_unit_of_work_sees_what_was_committed(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        (item,) = tx.put_items(owner.folder_id, [vcard("read back")], None)
    with store.reading() as tx:
        assert list(tx.iter_items(owner.folder_id)) == [item]
