"""The in-memory store's accounts."""

import dataclasses

from syncmld.store.base import Account, AlreadyExists, NotFound
from syncmld.store.memory.devices import drop_devices
from syncmld.store.memory.sessions import forget_sessions
from syncmld.store.memory.tables import MemoryRole


class MemoryAccounts(MemoryRole):
    """See ``syncmld.store.base.Accounts``."""

    def add_account(self, email: str, md5_credential: str, password_hash: str, item_key: str = "") -> Account:
        email = email.lower()
        if self.get_account(email) is not None:
            raise AlreadyExists(f"an account {email} exists already")
        account = Account(self._new_id(), email, md5_credential, password_hash, item_key=item_key)
        self._t.accounts[account.id] = account
        return account

    def get_account(self, email: str) -> Account | None:
        email = email.lower()
        return next((a for a in self._t.accounts.values() if a.email == email), None)

    def get_account_by_id(self, account_id: int) -> Account | None:
        return self._t.accounts.get(account_id)

    def list_accounts(self) -> list[Account]:
        return sorted(self._t.accounts.values(), key=lambda account: account.email)

    def _named_account(self, email: str) -> Account:
        account = self.get_account(email)
        if account is None:
            raise NotFound(f"no account {email.lower()}")
        return account

    def set_credentials(self, email: str, md5_credential: str, password_hash: str, item_key: str) -> None:
        account = self._named_account(email)
        self._t.accounts[account.id] = dataclasses.replace(
            account, md5_credential=md5_credential, password_hash=password_hash, item_key=item_key
        )

    def set_item_key(self, email: str, item_key: str) -> None:
        account = self._named_account(email)
        self._t.accounts[account.id] = dataclasses.replace(account, item_key=item_key)

    def remove_account(self, email: str) -> None:
        account = self._named_account(email)
        device_ids = {d.id for d in self._t.devices.values() if d.account_id == account.id}
        folder_ids = {f.id for f in self._t.folders.values() if f.account_id == account.id}
        del self._t.accounts[account.id]
        self._t.mail_passwords.pop(account.id, None)
        for entry_id in [entry.id for entry in self._t.mail_journal.values() if entry.account_id == account.id]:
            del self._t.mail_journal[entry_id]
        for key in [send.key for send in self._t.mail_sends.values() if send.account_id == account.id]:
            del self._t.mail_sends[key]
        drop_devices(self._t, device_ids)
        self._t.upstreams.pop(account.id, None)
        for folder_id in folder_ids:
            del self._t.folders[folder_id]
            self._t.items.pop(folder_id, None)
            self._t.item_uids.pop(folder_id, None)
            self._t.item_identities.pop(folder_id, None)
            self._t.upstream_collections.pop(folder_id, None)
            self._t.upstream_resources.pop(folder_id, None)
            self._t.mail_marks.pop(folder_id, None)
        for owned in (self._t.sync_states, self._t.maps):
            for device_id, folder_id in list(owned):
                if folder_id in folder_ids:
                    del owned[device_id, folder_id]
        ended = {token for token, (session, _) in self._t.sessions.items() if session.account_id == account.id}
        for token in ended:
            del self._t.sessions[token]
        forget_sessions(self._t, ended)
        self._t.timeline = [entry for entry in self._t.timeline if entry.account_id != account.id]

    def set_account_enabled(self, email: str, enabled: bool) -> None:
        account = self._named_account(email)
        self._t.accounts[account.id] = dataclasses.replace(account, enabled=enabled)

    def drop_md5_credentials(self) -> int:
        holders = [account for account in self._t.accounts.values() if account.md5_credential]
        for account in holders:
            self._t.accounts[account.id] = dataclasses.replace(account, md5_credential="")
        return len(holders)
