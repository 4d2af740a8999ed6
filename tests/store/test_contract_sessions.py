"""The store contract for sessions, large objects on their way (pieces kept with their session) and
each device's latest session, checked on every backend."""

import random

import pytest

from syncmld.store.base import SessionRecord, Store, StoreError
from tests.store.sample import make_owner


def session(token: str, account_id: int | None, at: float) -> SessionRecord:
    return SessionRecord(token, account_id, b"state", at)


def test_sessions_are_added_saved_and_loaded_and_keep_their_reply_apart(store: Store) -> None:
    with store.transaction() as tx:
        account = tx.add_account("anna@example.org", "md5", "hash")
        assert tx.load_session("t1") is None and tx.kept_reply("t1") is None
        assert not tx.has_session("t1")
        tx.add_session(SessionRecord("t1", account.id, b"state-1", 100.0), b"reply-1")
        assert tx.kept_reply("t1") == b"reply-1"
    with store.transaction() as tx:
        assert tx.save_session(SessionRecord("t1", None, b"state-2", 200.5), b"reply-2")
        assert not tx.save_session(SessionRecord("t2", None, b"state-2", 200.5), b"reply-2")
    with store.transaction() as tx:
        assert tx.load_session("t1") == SessionRecord("t1", account.id, b"state-2", 200.5)  # its account stays
        assert tx.kept_reply("t1") == b"reply-2"
        assert tx.has_session("t1") and not tx.has_session("t2")
        assert tx.load_session("t2") is None and tx.kept_reply("t2") is None
        tx.save_session(SessionRecord("t1", account.id, b"state-3", 300.0), None)
        assert tx.kept_reply("t1") is None


def test_a_token_is_added_once(store: Store) -> None:
    with store.transaction() as tx:
        tx.add_session(session("t1", None, 1.0), None)
    with pytest.raises(StoreError), store.transaction() as tx:
        tx.add_session(session("t1", None, 2.0), b"reply")
    with store.transaction() as tx:
        assert tx.load_session("t1") == session("t1", None, 1.0)


def test_idle_sessions_expire(store: Store) -> None:
    with store.transaction() as tx:
        for token, updated_at in (("old", 10.0), ("older", 5.0), ("fresh", 30.0)):
            tx.add_session(SessionRecord(token, None, b"s", updated_at), None)
    with store.transaction() as tx:
        assert [tx.count_sessions(after) for after in (0.0, 5.0, 10.0, 30.0)] == [3, 2, 1, 0]
        assert tx.delete_sessions_before(20.0) == 2
        assert tx.delete_sessions_before(20.0) == 0
    with store.transaction() as tx:
        assert tx.load_session("old") is None
        assert tx.load_session("fresh") is not None


def test_appended_pieces_read_back_whole_and_by_any_slice(store: Store) -> None:
    rng = random.Random(6)
    pieces = [rng.randbytes(rng.randint(1, 300)) for _ in range(40)]
    whole = b"".join(pieces)
    with store.transaction() as tx:
        sizes = [tx.append_chunk("t1", "in", piece) for piece in pieces]
        tx.add_session(session("t1", None, 1.0), None)
    assert sizes[-1] == len(whole) and sizes[0] == len(pieces[0])
    with store.transaction() as tx:
        assert tx.read_chunks("t1", "in") == whole
        for _ in range(50):
            start = rng.randrange(len(whole))
            length = rng.randint(1, 700)
            assert tx.read_chunks("t1", "in", start, length) == whole[start : start + length]
        assert tx.read_chunks("t1", "in", len(whole) - 5) == whole[-5:]
        assert tx.read_chunks("t1", "in", len(whole), 10) == b""


def test_a_list_appended_one_transaction_at_a_time_reads_back_whole_in_order(store: Store) -> None:
    """How a session keeps what it notes item by item: a piece a message, beside other lists of the session."""
    with store.transaction() as tx:
        tx.add_session(session("t1", None, 1.0), None)
    for message in range(30):
        with store.transaction() as tx:
            tx.append_chunk("t1", "matched:1", f"[{message}]\n".encode())
            if message % 3 == 0:
                tx.append_chunk("t1", "luids:1", f"[{message}]\n".encode())
    with store.transaction() as tx:
        assert tx.read_chunks("t1", "matched:1") == "".join(f"[{n}]\n" for n in range(30)).encode()
        assert tx.read_chunks("t1", "luids:1") == "".join(f"[{n}]\n" for n in range(0, 30, 3)).encode()
        tx.delete_sessions_before(2.0)
    with store.transaction() as tx:
        assert tx.read_chunks("t1", "matched:1") == tx.read_chunks("t1", "luids:1") == b""


def test_objects_are_kept_apart_by_session_and_key_and_dropped_one_by_one(store: Store) -> None:
    with store.transaction() as tx:
        tx.append_chunk("t1", "in", b"abc")
        tx.append_chunk("t1", "out", b"XYZ")
        tx.append_chunk("t2", "in", b"123")
        tx.drop_chunks("t1", "in")
    with store.transaction() as tx:
        assert tx.read_chunks("t1", "in") == b""
        assert tx.read_chunks("t1", "out") == b"XYZ"
        assert tx.read_chunks("t2", "in") == b"123"
        assert tx.append_chunk("t1", "in", b"new") == 3


def test_a_rolled_back_piece_is_not_kept(store: Store) -> None:
    with store.transaction() as tx:
        tx.append_chunk("t1", "in", b"first")
    try:
        with store.transaction() as tx:
            tx.append_chunk("t1", "in", b"second")
            raise RuntimeError("the message failed")
    except RuntimeError:
        pass
    with store.transaction() as tx:
        assert tx.read_chunks("t1", "in") == b"first"


def test_an_object_moves_to_another_session_replacing_what_that_one_had(store: Store) -> None:
    with store.transaction() as tx:
        tx.append_chunk("old", "in", b"half ")
        tx.append_chunk("old", "out", b"stays")
        tx.append_chunk("new", "in", b"stale")
        tx.move_chunks("old", "in", "new")
        assert tx.append_chunk("new", "in", b"whole") == 10
    with store.transaction() as tx:
        assert tx.read_chunks("new", "in") == b"half whole"
        assert tx.read_chunks("old", "in") == b""
        assert tx.read_chunks("old", "out") == b"stays"


def test_objects_and_device_notes_expire_with_their_session(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.add_session(session("idle", owner.account_id, 100.0), None)
        tx.add_session(session("busy", owner.account_id, 900.0), None)
        tx.append_chunk("idle", "in", b"old piece")
        tx.append_chunk("busy", "in", b"new piece")
        tx.note_device_session(owner.device_id, "idle")
    with store.transaction() as tx:
        assert tx.device_at_login(owner.account_id, "IMEI:1").previous_token == "idle"
        assert tx.delete_sessions_before(500.0) == 1
    with store.transaction() as tx:
        assert tx.read_chunks("idle", "in") == b""
        assert tx.read_chunks("busy", "in") == b"new piece"
        assert tx.device_at_login(owner.account_id, "IMEI:1").previous_token is None


def test_a_device_has_one_latest_session_and_forgets_it_with_the_device(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        other = make_owner(tx, "bob@example.org", "IMEI:2")
        for token in ("first", "second", "bobs"):
            tx.add_session(session(token, owner.account_id, 1.0), None)
        assert tx.device_at_login(owner.account_id, "IMEI:1").previous_token is None
        tx.note_device_session(owner.device_id, "first")
        tx.note_device_session(owner.device_id, "second")
        tx.note_device_session(other.device_id, "bobs")
    with store.transaction() as tx:
        assert tx.device_at_login(owner.account_id, "IMEI:1").previous_token == "second"
        assert tx.device_at_login(other.account_id, "IMEI:2").previous_token == "bobs"
        tx.forget_device(owner.account_id, "IMEI:1")
    with store.transaction() as tx:
        again = tx.device_at_login(owner.account_id, "IMEI:1")
        assert again.device.id != owner.device_id and again.previous_token is None
        assert tx.device_at_login(other.account_id, "IMEI:2").previous_token == "bobs"


def test_the_objects_of_a_removed_account_go_at_the_next_expiry(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.add_session(session("t1", owner.account_id, 100.0), None)
        tx.append_chunk("t1", "in", b"piece")
        tx.remove_account("anna@example.org")
    with store.transaction() as tx:
        tx.delete_sessions_before(0.0)
        assert tx.read_chunks("t1", "in") == b""
