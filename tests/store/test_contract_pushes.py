"""The store contract for push: registrations, the folders a push device syncs, pending notifications
left by changes and claimed once, checked on every backend."""

import time

from syncmld.store.base import Store, Transaction
from syncmld.store.pushes import PushChannel, PushFolder, PushSource, PushTiming, SyncedFolder, WatchedFolder
from tests.store.sample import Owner, make_owner, vcard

TIMING = PushTiming(quiet=1.0, max_wait=10.0, resend_after=3600.0, lease=30.0)


def push_device(tx: Transaction, owner: Owner, device_ref: str, seq: int = 0) -> int:
    """A second device of the owner's account, registered for push and syncing the owner's folder."""
    device = tx.ensure_device(owner.account_id, device_ref)
    tx.set_push(device.id, PushChannel.SMS, "+4912345", PushSource.ADMIN)
    tx.push_synced(device.id, [SyncedFolder(PushFolder(owner.folder_id, "card", "text/x-vcard"), seq)])
    return device.id


def test_a_registration_is_kept_changed_and_listed(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.set_push(owner.device_id, PushChannel.NONE, "", PushSource.URL)
        tx.set_push(owner.device_id, PushChannel.WEBHOOK, "http://gw/hook", PushSource.ADMIN)
    with store.transaction() as tx:
        push = tx.get_push(owner.device_id)
        assert push is not None
        assert (push.channel, push.address, push.source, push.awaiting_since) == (
            PushChannel.WEBHOOK,
            "http://gw/hook",
            PushSource.ADMIN,
            None,
        )
        assert tx.list_pushes(owner.account_id) == {owner.device_id: push}
        assert tx.get_push(owner.device_id + 100) is None


def test_a_change_by_another_device_leaves_one_pending_notification(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = push_device(tx, owner, "IMEI:2")
    with store.transaction() as tx:
        tx.put_items(owner.folder_id, [vcard("a")], owner.device_id)
        tx.put_items(owner.folder_id, [vcard("b")], None)
        assert tx.count_pending_pushes() == 1
    with store.transaction() as tx:
        later = time.time() + 2
        (pending,) = tx.claim_pushes("w1", later, TIMING, 10)
        assert (pending.device.device_id, pending.device_ref, pending.account_id) == (phone, "IMEI:2", owner.account_id)
        assert pending.folders == (PushFolder(owner.folder_id, "card", "text/x-vcard"),)
        assert tx.claim_pushes("w2", later, TIMING, 10) == []


def test_a_devices_own_changes_and_other_folders_leave_nothing(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = push_device(tx, owner, "IMEI:2")
        notes = tx.ensure_folder(owner.account_id, "Notes")
    with store.transaction() as tx:
        tx.put_items(owner.folder_id, [vcard("mine")], phone)
        tx.put_items(notes.id, [vcard("elsewhere")], None)
        assert tx.count_pending_pushes() == 0


def test_a_device_registered_or_forgotten_between_writes_of_one_transaction_is_told_from_then_on(
    store: Store,
) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.put_items(owner.folder_id, [vcard("before")], None)
        assert tx.count_pending_pushes() == 0
        push_device(tx, owner, "IMEI:2")
        tx.put_items(owner.folder_id, [vcard("after")], None)
        assert tx.count_pending_pushes() == 1
        tx.forget_device(owner.account_id, "IMEI:2")
        tx.put_items(owner.folder_id, [vcard("gone")], None)
        assert tx.count_pending_pushes() == 0


def test_nothing_is_due_before_the_quiet_time_and_a_burst_is_due_after_the_longest_wait(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        push_device(tx, owner, "IMEI:2")
        tx.put_items(owner.folder_id, [vcard("a")], None)
    now = time.time()
    with store.transaction() as tx:
        assert tx.claim_pushes("w", now, TIMING, 10) == []
        assert len(tx.claim_pushes("w", now + TIMING.max_wait + 1, TIMING, 10)) == 1


def test_once_delivered_a_device_is_not_told_again_until_it_synced(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = push_device(tx, owner, "IMEI:2")
        tx.put_items(owner.folder_id, [vcard("a")], None)
    later = time.time() + 5
    with store.transaction() as tx:
        (pending,) = tx.claim_pushes("w", later, TIMING, 10)
        tx.push_delivered(pending.claim, later)
        tx.put_items(owner.folder_id, [vcard("b")], None)
    with store.transaction() as tx:
        assert tx.claim_pushes("w", later + 5, TIMING, 10) == []
        push = tx.get_push(phone)
        assert push is not None and (push.sent, push.awaiting_since) == (1, later)
        # it syncs, but only up to before "b": "b" is still to be told
        tx.push_synced(phone, [SyncedFolder(pending.folders[0], 0)])
    with store.transaction() as tx:
        assert len(tx.claim_pushes("w", later + 10, TIMING, 10)) == 1


def test_a_sync_that_brought_the_changes_drops_the_notification(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = push_device(tx, owner, "IMEI:2")
        tx.put_items(owner.folder_id, [vcard("a")], None)
        seq = tx.current_seq()
        tx.push_synced(phone, [SyncedFolder(PushFolder(owner.folder_id, "card", "text/x-vcard"), seq)])
        assert tx.set_push_form(phone, "1.1", False)
        assert not tx.set_push_form(owner.device_id, "1.1", False)
    with store.transaction() as tx:
        assert tx.count_pending_pushes() == 0
        push = tx.get_push(phone)
        assert push is not None and (push.version, push.wbxml) == ("1.1", False)


def test_a_claim_expires_and_a_failure_is_retried_then_given_up(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = push_device(tx, owner, "IMEI:2")
        tx.delete_items(owner.folder_id, [tx.put_items(owner.folder_id, [vcard("a")], None)[0].guid], None)
    now = time.time() + 5
    with store.transaction() as tx:
        assert len(tx.claim_pushes("dead worker", now, TIMING, 10)) == 1
    with store.transaction() as tx:
        (again,) = tx.claim_pushes("w", now + TIMING.lease + 1, TIMING, 10)
        assert again.attempts == 0
        tx.push_failed(again.claim, "HTTP 500", retry_at=now + 100)
    with store.transaction() as tx:
        assert tx.claim_pushes("w", now + 99, TIMING, 10) == []
        (retried,) = tx.claim_pushes("w", now + 101, TIMING, 10)
        assert retried.attempts == 1
        tx.push_failed(retried.claim, "HTTP 500 again", retry_at=None)
    with store.transaction() as tx:
        assert tx.count_pending_pushes() == 0
        push = tx.get_push(phone)
        assert push is not None and (push.failures, push.last_error) == (2, "HTTP 500 again")


def test_off_drops_what_is_pending_and_stops_new_notifications(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = push_device(tx, owner, "IMEI:2")
        tx.put_items(owner.folder_id, [vcard("a")], None)
        tx.set_push(phone, PushChannel.OFF, "", PushSource.ADMIN)
        tx.put_items(owner.folder_id, [vcard("b")], None)
        assert tx.count_pending_pushes() == 0


def test_forgetting_a_device_forgets_its_push(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = push_device(tx, owner, "IMEI:2")
        tx.put_items(owner.folder_id, [vcard("a")], None)
        tx.forget_device(owner.account_id, "IMEI:2")
    with store.transaction() as tx:
        assert tx.get_push(phone) is None
        assert tx.count_pending_pushes() == 0


def test_a_device_registered_after_its_syncs_is_told_at_once(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = tx.ensure_device(owner.account_id, "IMEI:2").id
        tx.push_synced(phone, [SyncedFolder(PushFolder(owner.folder_id, "card", "text/x-vcard"), 0)])
        tx.put_items(owner.folder_id, [vcard("before")], None)
        assert tx.count_pending_pushes() == 0
        tx.set_push(phone, PushChannel.WEBHOOK, "http://gw/hook", PushSource.ADMIN)
        tx.put_items(owner.folder_id, [vcard("after")], None)
        (pending,) = tx.claim_pushes("w", time.time() + 5, TIMING, 10)
        assert pending.folders == (PushFolder(owner.folder_id, "card", "text/x-vcard"),)


def test_the_folders_of_push_devices_are_listed_for_watching_each_once(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        push_device(tx, owner, "IMEI:2")
        push_device(tx, owner, "IMEI:3")
        mail = tx.ensure_folder(owner.account_id, "mail")
        tx.push_synced(owner.device_id, [SyncedFolder(PushFolder(mail.id, "Mail", ""), 0)])
        other = make_owner(tx, "bert@example.org")
        off = push_device(tx, other, "IMEI:4")
        tx.set_push(off, PushChannel.OFF, "", PushSource.ADMIN)
        assert tx.watched_folders() == [
            WatchedFolder(owner.account_id, "anna@example.org", owner.folder_id, "Contacts")
        ]
        tx.set_push(owner.device_id, PushChannel.LOG, "", PushSource.ADMIN)
        assert [found.name for found in tx.watched_folders()] == ["Contacts", "mail"]
        tx.set_account_enabled("anna@example.org", False)
        assert tx.watched_folders() == []


def test_an_accounts_watch_is_leased_to_one_worker_until_it_runs_out_or_is_released(store: Store) -> None:
    with store.transaction() as tx:
        anna = make_owner(tx).account_id
        bert = make_owner(tx, "bert@example.org").account_id
    now = time.time()
    with store.transaction() as tx:
        assert tx.claim_watches("w1", [anna], now, now + 60) == {anna}
    with store.transaction() as tx:
        assert tx.claim_watches("w2", [anna, bert], now + 10, now + 70) == {bert}
        assert tx.claim_watches("w1", [anna], now + 20, now + 80) == {anna}, "renewed by its holder"
    with store.transaction() as tx:
        assert tx.claim_watches("w2", [anna], now + 70, now + 130) == set(), "the renewal holds"
        assert tx.claim_watches("w2", [anna, bert], now + 81, now + 141) == {anna, bert}, "run out: taken over"
        tx.release_watches("w1", [anna, bert])
        assert tx.claim_watches("w1", [anna, bert], now + 82, now + 142) == set(), "w1 released nothing of w2's"
        tx.release_watches("w2", [bert])
        assert tx.claim_watches("w1", [bert], now + 83, now + 143) == {bert}


def test_a_waiting_notification_is_due_after_the_quiet_time_its_lease_and_the_resend_wait(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        phone = push_device(tx, owner, "IMEI:2")
        assert tx.next_push_due(TIMING) is None
    changed = time.time()
    with store.transaction() as tx:
        tx.put_items(owner.folder_id, [vcard("a")], None)
    with store.transaction() as tx:
        due = tx.next_push_due(TIMING)
        assert due is not None and changed + TIMING.quiet <= due <= time.time() + TIMING.quiet
        claimed_at = due + 1
        (pending,) = tx.claim_pushes("w1", claimed_at, TIMING, 10)
        assert tx.next_push_due(TIMING) == claimed_at + TIMING.lease
        tx.push_delivered(pending.claim, claimed_at)
        tx.put_items(owner.folder_id, [vcard("b")], None)
        assert tx.next_push_due(TIMING) == claimed_at + TIMING.resend_after, "told once: again after a day"
        tx.set_push(phone, PushChannel.OFF, "", PushSource.ADMIN)
        assert tx.next_push_due(TIMING) is None


def a_phone_told_of_a_card(tx: Transaction) -> tuple[Owner, int, PushFolder]:
    """An owner whose phone syncs the contacts and a second folder (returned), with a card added since."""
    owner = make_owner(tx)
    phone = push_device(tx, owner, "IMEI:2")
    notes = PushFolder(tx.ensure_folder(owner.account_id, "Notes").id, "notes", "text/plain")
    tx.push_synced(phone, [SyncedFolder(notes, 0)])
    tx.put_items(owner.folder_id, [vcard("a")], None)
    return owner, phone, notes


def test_a_delivery_forgets_what_its_claim_saw_and_nothing_more(store: Store) -> None:
    with store.transaction() as tx:
        owner, phone, notes = a_phone_told_of_a_card(tx)
    later = time.time() + 5
    with store.transaction() as tx:
        (told,) = tx.claim_pushes("w", later, TIMING, 10)
        tx.push_failed(told.claim, "HTTP 500", retry_at=later + 10)
    with store.transaction() as tx:
        (told,) = tx.claim_pushes("w", later + 11, TIMING, 10)
        assert (told.folders, told.attempts) == ((PushFolder(owner.folder_id, "card", "text/x-vcard"),), 1)
    with store.transaction() as tx:  # while the notification is on its way
        told_seq = tx.current_seq()
        tx.put_items(owner.folder_id, [vcard("b")], None)
        tx.put_items(notes.folder_id, [vcard("c")], None)
    with store.transaction() as tx:
        tx.push_delivered(told.claim, later + 12)
        assert tx.count_pending_pushes() == 1, "the changes since the claim were dropped with it"
        # the phone syncs what it was told of, up to before "b": both changes are still to be told, at once
        tx.push_synced(phone, [SyncedFolder(told.folders[0], told_seq)])
    with store.transaction() as tx:
        (again,) = tx.claim_pushes("w", later + 13, TIMING, 10)
        assert again.folders == (PushFolder(owner.folder_id, "card", "text/x-vcard"), notes)
        assert (again.attempts, again.first_at) == (0, later + 11), "a new notification, its burst begun at the claim"
        tx.push_delivered(again.claim, later + 14)
        assert tx.count_pending_pushes() == 0, "nothing came since: the delivery leaves nothing"
        push = tx.get_push(phone)
        assert push is not None and (push.sent, push.failures, push.awaiting_since) == (2, 0, later + 14)


def test_a_change_outside_the_store_while_a_notification_is_on_its_way_stays_to_be_told(store: Store) -> None:
    """A change that leaves the store's sequence number as it is (new mail) is told as well."""
    with store.transaction() as tx:
        owner = make_owner(tx)
        push_device(tx, owner, "IMEI:2")
        tx.note_folder_change(owner.folder_id, None, time.time())
    later = time.time() + 5
    with store.transaction() as tx:
        (told,) = tx.claim_pushes("w", later, TIMING, 10)
    with store.transaction() as tx:
        tx.note_folder_change(owner.folder_id, None, time.time())
        tx.push_delivered(told.claim, later)
    with store.transaction() as tx:
        (again,) = tx.claim_pushes("w", later + TIMING.resend_after + 1, TIMING, 10)
        assert again.folders == told.folders


def test_a_failed_delivery_retries_with_what_came_since_and_one_given_up_leaves_it(store: Store) -> None:
    with store.transaction() as tx:
        owner, phone, notes = a_phone_told_of_a_card(tx)
    later = time.time() + 5
    with store.transaction() as tx:
        (told,) = tx.claim_pushes("w", later, TIMING, 10)
        tx.put_items(notes.folder_id, [vcard("b")], None)
        tx.push_failed(told.claim, "HTTP 500", retry_at=later + 10)
    with store.transaction() as tx:
        (retried,) = tx.claim_pushes("w", later + 11, TIMING, 10)
        assert (retried.folders, retried.attempts) == ((PushFolder(owner.folder_id, "card", "text/x-vcard"), notes), 1)
        tx.put_items(notes.folder_id, [vcard("c")], None)
        tx.push_failed(retried.claim, "HTTP 500 again", retry_at=None)
    with store.transaction() as tx:
        (left,) = tx.claim_pushes("w", later + 12, TIMING, 10)
        assert (left.folders, left.attempts) == ((notes,), 0), "given up: only what came since is left"
        tx.push_failed(left.claim, "HTTP 500 once more", retry_at=None)
        assert tx.count_pending_pushes() == 0
        push = tx.get_push(phone)
        assert push is not None and push.failures == 3
