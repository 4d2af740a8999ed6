"""The store contract for mail: mail servers per domain and account, mail passwords, mails sent once, what
was written to IMAP for devices, checked on every backend."""

import pytest

from syncmld.store.base import (
    MailJournalEntry,
    MailJournalLoad,
    MailMark,
    MailSend,
    MailServer,
    MailWrite,
    NotFound,
    Store,
    Transaction,
)
from tests.store.sample import make_owner


def test_an_accounts_own_mail_server_wins_over_its_domains(store: Store) -> None:
    domain = MailServer("Example.COM", "imap://127.0.0.1:1143", "smtp://127.0.0.1:1025")
    own = MailServer("boss@example.com", "imaps://mail.example.com", "smtps://mail.example.com", True, "master", "pw")
    with store.transaction() as tx:
        assert tx.mail_server_for("a@example.com") is None
        tx.set_mail_server(domain)
        tx.set_mail_server(own)
    with store.transaction() as tx:
        assert tx.mail_server_for("A@example.com") == MailServer("example.com", domain.imap, domain.smtp)
        assert tx.mail_server_for("boss@example.com") == own
        assert tx.mail_server_for("a@example.org") is None
        assert [server.scope for server in tx.list_mail_servers()] == ["boss@example.com", "example.com"]


def test_setting_a_mail_server_again_replaces_it_and_removing_it_forgets_it(store: Store) -> None:
    with store.transaction() as tx:
        tx.set_mail_server(MailServer("example.com", "imap://127.0.0.1:1", "smtp://127.0.0.1:2"))
        tx.set_mail_server(MailServer("example.com", "imap://127.0.0.1:3", "smtp://127.0.0.1:4"))
    with store.transaction() as tx:
        assert [server.imap for server in tx.list_mail_servers()] == ["imap://127.0.0.1:3"]
        tx.remove_mail_server("EXAMPLE.com")
    with store.transaction() as tx:
        assert tx.list_mail_servers() == []
        with pytest.raises(NotFound):
            tx.remove_mail_server("example.com")


def test_mail_passwords_are_kept_per_account_and_go_with_it(store: Store) -> None:
    with store.transaction() as tx:
        account_id = make_owner(tx).account_id
        assert tx.mail_password(account_id) is None
        tx.set_mail_password(account_id, "first")
        tx.set_mail_password(account_id, "sécret")
    with store.transaction() as tx:
        assert tx.mail_password(account_id) == "sécret"
        email = tx.get_account_by_id(account_id)
        assert email is not None
        tx.remove_account(email.email)
    with store.transaction() as tx:
        assert tx.mail_password(account_id) is None


def test_a_mail_is_claimed_once_and_its_status_recorded(store: Store) -> None:
    with store.transaction() as tx:
        account_id = make_owner(tx).account_id
        assert tx.claim_send(MailSend("k1", None, account_id=account_id, at=100.0), 10) is None
    with store.transaction() as tx:
        again = MailSend("k1", None, account_id=account_id, at=200.0)
        assert tx.claim_send(again, 10) == MailSend("k1", None, account_id=account_id, at=100.0)
        tx.finish_send("k1", 201, "250 OK")
    with store.transaction() as tx:
        assert tx.claim_send(again, 10) == MailSend("k1", 201, "250 OK", account_id, 100.0)
        with pytest.raises(NotFound):
            tx.finish_send("k2", 200, "")


def _sent(tx: Transaction, key: str, account_id: int | None, at: float, keep: int = 10) -> MailSend | None:
    return tx.claim_send(MailSend(key, None, account_id=account_id, at=at), keep)


def test_an_account_keeps_its_latest_mails_sent_and_others_keep_theirs(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx).account_id
        other = make_owner(tx, "bert@example.org", "IMEI:2").account_id
        _sent(tx, "theirs", other, 50.0)
        _sent(tx, "earlier", None, 60.0)
        for number in range(5):
            assert _sent(tx, f"m{number}", owner, 100.0 + number, keep=3) is None
    with store.transaction() as tx:
        # brought again: the three latest are known (and bringing one again forgets nothing)
        for number in (4, 3, 2, 4):
            assert _sent(tx, f"m{number}", owner, 500.0, keep=3) is not None
        assert _sent(tx, "theirs", other, 500.0) is not None
        assert _sent(tx, "earlier", None, 500.0) is not None
    with store.transaction() as tx:
        # the two oldest were forgotten: they would be sent again
        assert _sent(tx, "m0", owner, 600.0, keep=3) is None
    with store.transaction() as tx:
        assert _sent(tx, "m2", owner, 700.0, keep=3) is None
        assert _sent(tx, "m4", owner, 700.0, keep=3) is not None
        assert _sent(tx, "m0", owner, 700.0, keep=3) is not None


def test_mails_sent_are_forgotten_after_their_keep_time_unless_still_on_their_way_and_with_their_account(
    store: Store,
) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx).account_id
        other = make_owner(tx, "bert@example.org", "IMEI:2").account_id
        for key, account_id, at in (("sent", owner, 100.0), ("refused", owner, 100.0), ("late", owner, 300.0)):
            _sent(tx, key, account_id, at)
            tx.finish_send(key, 500 if key == "refused" else 201, "")
        _sent(tx, "on its way", owner, 100.0)
        _sent(tx, "theirs", other, 300.0)
        _sent(tx, "earlier", None, 100.0)
        tx.finish_send("earlier", 201, "")
    with store.transaction() as tx:
        assert tx.purge_mail_sends(100.0) == 0
        assert tx.purge_mail_sends(200.0) == 3
    with store.transaction() as tx:
        for key in ("sent", "refused", "earlier"):
            assert _sent(tx, key, owner, 400.0) is None
            tx.finish_send(key, 201, "")
        assert _sent(tx, "on its way", owner, 400.0) == MailSend("on its way", None, "", owner, 100.0)
        assert _sent(tx, "late", owner, 400.0) is not None
        tx.remove_account("anna@example.org")
    with store.transaction() as tx:
        # the account's records went with it
        assert _sent(tx, "late", other, 500.0) is None
        assert _sent(tx, "on its way", other, 500.0) is None
        assert _sent(tx, "theirs", other, 500.0) is not None


def test_journaled_mail_changes_stay_until_forgotten_and_go_with_their_account(store: Store) -> None:
    two, one = MailJournalLoad(2, 0), MailJournalLoad(1, 5000)
    with store.transaction() as tx:
        owner = make_owner(tx)
        other = make_owner(tx, "bert@example.org", "IMEI:2")
        first = tx.journal_mail_changes(owner.account_id, '{"folder":"INBOX"}', two)
        second = tx.journal_mail_changes(owner.account_id, '{"folder":"Sent"}', one)
        tx.journal_mail_changes(other.account_id, '{"folder":"INBOX"}', one)
        with pytest.raises(NotFound):
            tx.journal_mail_changes(owner.account_id + 1000, "{}", one)
    with store.transaction() as tx:
        assert tx.pending_mail_changes(owner.account_id) == [
            MailJournalEntry(first, owner.account_id, '{"folder":"INBOX"}', two),
            MailJournalEntry(second, owner.account_id, '{"folder":"Sent"}', one),
        ]
        assert tx.mail_journal_load(owner.account_id) == MailJournalLoad(3, 5000)
        tx.forget_mail_changes(first)
        tx.forget_mail_changes(first)
    with store.transaction() as tx:
        assert [entry.id for entry in tx.pending_mail_changes(owner.account_id)] == [second]
        assert tx.mail_journal_load(owner.account_id) == MailJournalLoad(1, 5000)
        tx.remove_account("anna@example.org")
    with store.transaction() as tx:
        assert tx.pending_mail_changes(owner.account_id) == []
        assert tx.mail_journal_load(owner.account_id) == MailJournalLoad()
        assert len(tx.pending_mail_changes(other.account_id)) == 1


def test_a_mail_folders_mark_holds_32_and_63_bit_values_and_can_be_forgotten(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        assert tx.mail_mark(owner.folder_id) is None
        tx.set_mail_mark(owner.folder_id, MailMark(4_294_967_295, 2**63 - 1))
    with store.transaction() as tx:
        assert tx.mail_mark(owner.folder_id) == MailMark(4_294_967_295, 2**63 - 1)
        tx.set_mail_mark(owner.folder_id, MailMark(7, 0))
    with store.transaction() as tx:
        assert tx.mail_mark(owner.folder_id) == MailMark(7, 0)
        tx.set_mail_mark(owner.folder_id, None)
    with store.transaction() as tx:
        assert tx.mail_mark(owner.folder_id) is None


def _write(account_id: int, device_id: int, since: int, at: float, mailbox: str = "INBOX") -> MailWrite:
    return MailWrite(account_id, device_id, mailbox, 4_294_967_295, since, None, at)


def test_what_was_written_to_imap_is_kept_bounded_per_account_and_expires(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        other = make_owner(tx, "bert@example.org", "IMEI:2")
        first = tx.begin_mail_write(_write(owner.account_id, owner.device_id, 10, 100.0), 3, 0.0)
        tx.begin_mail_write(_write(owner.account_id, owner.device_id, 5, 100.0, "Trash"), 3, 0.0)
        theirs = tx.begin_mail_write(_write(other.account_id, other.device_id, 7, 100.0), 3, 0.0)
        tx.end_mail_write(first, 2**63 - 1)
    with store.transaction() as tx:
        assert tx.mail_writes(owner.account_id, "INBOX", 4_294_967_295, 0.0) == [
            MailWrite(owner.account_id, owner.device_id, "INBOX", 4_294_967_295, 10, 2**63 - 1, 100.0, first)
        ]
        assert tx.mail_writes(owner.account_id, "INBOX", 1, 0.0) == []
        assert tx.mail_writes(owner.account_id, "INBOX", 4_294_967_295, 100.5) == []
        for since in (20, 30, 40):
            tx.begin_mail_write(_write(owner.account_id, owner.device_id, since, 200.0), 3, 0.0)
    with store.transaction() as tx:
        # three kept: the oldest of the account's five went; the other account's stays
        kept = tx.mail_writes(owner.account_id, "INBOX", 4_294_967_295, 0.0)
        assert [(write.since, write.until) for write in kept] == [(20, None), (30, None), (40, None)]
        assert tx.mail_writes(owner.account_id, "Trash", 4_294_967_295, 0.0) == []
        assert [write.id for write in tx.mail_writes(other.account_id, "INBOX", 4_294_967_295, 0.0)] == [theirs]
        newest = tx.begin_mail_write(_write(owner.account_id, owner.device_id, 50, 300.0), 3, 250.0)
    with store.transaction() as tx:
        # begun before the expiry: forgotten
        assert [write.id for write in tx.mail_writes(owner.account_id, "INBOX", 4_294_967_295, 0.0)] == [newest]
        tx.end_mail_write(newest, None)
    with store.transaction() as tx:
        assert tx.mail_writes(owner.account_id, "INBOX", 4_294_967_295, 0.0) == []
        tx.begin_mail_write(_write(owner.account_id, owner.device_id, 60, 300.0), 3, 0.0)
        tx.forget_device(owner.account_id, "IMEI:1")
        tx.remove_account("bert@example.org")
    with store.transaction() as tx:
        assert tx.mail_writes(owner.account_id, "INBOX", 4_294_967_295, 0.0) == []
        assert tx.mail_writes(other.account_id, "INBOX", 4_294_967_295, 0.0) == []
