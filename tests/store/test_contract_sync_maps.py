"""The store contract for sync states and LUID <-> GUID maps, checked on every backend."""

from syncmld.store.base import Store, SyncState
from tests.store.sample import make_owner


def test_sync_state_is_set_replaced_and_cleared_with_its_maps(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        other = tx.ensure_folder(owner.account_id, "Calendar")
        assert tx.get_sync_state(owner.device_id, owner.folder_id) is None
        tx.set_sync_state(SyncState(owner.device_id, owner.folder_id, "c1", "s1", 5))
        tx.set_sync_state(SyncState(owner.device_id, other.id, "c", "s", 1))
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "1"})
        tx.set_maps(owner.device_id, other.id, {"g9": "9"})
    with store.transaction() as tx:
        tx.set_sync_state(SyncState(owner.device_id, owner.folder_id, "c2", "s2", 7))
    with store.transaction() as tx:
        assert tx.get_sync_state(owner.device_id, owner.folder_id) == SyncState(
            owner.device_id, owner.folder_id, "c2", "s2", 7
        )
        tx.clear_sync_state(owner.device_id, owner.folder_id)
    with store.transaction() as tx:
        assert tx.get_sync_state(owner.device_id, owner.folder_id) is None
        assert tx.all_maps(owner.device_id, owner.folder_id) == {}
        assert tx.get_sync_state(owner.device_id, other.id) == SyncState(owner.device_id, other.id, "c", "s", 1)
        assert tx.all_maps(owner.device_id, other.id) == {"g9": "9"}


def test_maps_are_read_in_both_directions(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "1", "g2": "2", "g3": "3"})
    with store.transaction() as tx:
        assert tx.luids_for_guids(owner.device_id, owner.folder_id, ["g1", "g3", "gx"]) == {"g1": "1", "g3": "3"}
        assert tx.guids_for_luids(owner.device_id, owner.folder_id, ["2", "9"]) == {"2": "g2"}
        assert tx.all_maps(owner.device_id, owner.folder_id) == {"g1": "1", "g2": "2", "g3": "3"}


def test_maps_belong_to_one_device_and_folder(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = tx.ensure_device(owner.account_id, "IMEI:2")
        calendar = tx.ensure_folder(owner.account_id, "Calendar")
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "1"})
        tx.set_maps(phone.id, owner.folder_id, {"g1": "7"})
        tx.set_maps(owner.device_id, calendar.id, {"c1": "1"})
    with store.transaction() as tx:
        assert tx.all_maps(owner.device_id, owner.folder_id) == {"g1": "1"}
        assert tx.all_maps(phone.id, owner.folder_id) == {"g1": "7"}
        assert tx.guids_for_luids(owner.device_id, calendar.id, ["1"]) == {"1": "c1"}


def test_a_guid_or_luid_maps_to_one_partner_only(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "1", "g2": "2", "g3": "3"})
    with store.transaction() as tx:
        # g1 gets a new LUID; LUID 3 moves from g3 to g2, leaving g3 unmapped.
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "10", "g2": "3"})
    with store.transaction() as tx:
        assert tx.all_maps(owner.device_id, owner.folder_id) == {"g1": "10", "g2": "3"}
        assert tx.guids_for_luids(owner.device_id, owner.folder_id, ["1", "2", "3"]) == {"3": "g2"}


def test_within_one_call_the_later_pair_takes_a_luid(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "old"})
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "5", "g2": "5"})
    with store.transaction() as tx:
        assert tx.all_maps(owner.device_id, owner.folder_id) == {"g2": "5"}


def test_delete_maps_forgets_the_given_guids(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.set_maps(owner.device_id, owner.folder_id, {"g1": "1", "g2": "2"})
        tx.delete_maps(owner.device_id, owner.folder_id, ["g1", "unknown"])
    with store.transaction() as tx:
        assert tx.all_maps(owner.device_id, owner.folder_id) == {"g2": "2"}
        tx.set_maps(owner.device_id, owner.folder_id, {"g3": "1"})
        assert tx.guids_for_luids(owner.device_id, owner.folder_id, ["1"]) == {"1": "g3"}
