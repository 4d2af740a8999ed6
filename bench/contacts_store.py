"""A SQLite store with one account whose contacts folder is filled, for the in-process benchmarks."""

from collections.abc import Callable
from pathlib import Path

from syncmld.accounts import hash_password, md5_credential
from syncmld.store import open_store, sqlite_url
from syncmld.store.base import NewItem, Store

EMAIL, PASSWORD, URL = "bench@example.org", "secret", "http://bench.example.org/syncml"
BATCH = 5000


def contacts_store(where: Path, size: int, card: Callable[[int], bytes]) -> Store:
    """A store at ``where`` whose account (``EMAIL``, ``PASSWORD``) has ``size`` contacts ``card(0)``...,
    written in batches."""
    store = open_store(sqlite_url(where))
    with store.transaction() as tx:
        account = tx.add_account(EMAIL, md5_credential(EMAIL, PASSWORD), hash_password(PASSWORD))
        folder = tx.ensure_folder(account.id, "contacts")
        for start in range(0, size, BATCH):
            batch = [NewItem(None, "text/vcard", card(n)) for n in range(start, min(size, start + BATCH))]
            tx.put_items(folder.id, batch, None)
    return store
