"""Syncing an account's folders with its upstream, as a peer of its devices.

Pull: what changed upstream since the collection's sync token (else every ETag, compared with the ones
kept) is fetched with multigets and written into the folder as a change of the account's pseudo-device
``UPSTREAM_DEVICE``, merged into the stored item as a device's Replace is, so every device gets it at its
next sync. Push: the folder's changes after ``pushed_seq`` that the upstream did not make itself go up, one
by one in the order they were made, each PUT with If-Match the ETag kept (If-None-Match for a new one) and
each recorded with its new ETag in the transaction that moves ``pushed_seq`` past it: a kill loses nothing,
and a write that reached the upstream before the kill is recognised (412, same content) instead of doubled.

Both sides changed an item (a pull finds the item changed here since the last push, or a push gets 412):
the account's conflict policy decides, with the upstream as the client side; the losing version goes to the
item history. A deletion meets a change: the change wins.
"""

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from syncmld import content
from syncmld.content import ParsedItem
from syncmld.dav.served import served
from syncmld.engine.conflicts import Winner, resolve
from syncmld.engine.folders import folder_kind
from syncmld.errors import RemoteError
from syncmld.settings import CONFLICT
from syncmld.store import new_guid
from syncmld.store.base import ChangeSessionSpec, Folder, HistoryEntry, NewItem, Store, StoredItem, Transaction
from syncmld.store.upstreams import UpstreamCollection, UpstreamResource
from syncmld.upstream.client import (
    Answered,
    DavClient,
    Fetched,
    InvalidToken,
    Listing,
    PreconditionFailed,
    Unauthorized,
)
from syncmld.upstream.items import extension, holds, media_type

log = logging.getLogger("syncmld.upstream")

UPSTREAM_DEVICE = "syncmld:upstream"
"""The device reference the upstream's changes are attributed to."""
PUSH_ROUNDS = 3
"""Rounds of one push: a conflict merged during a round is sent up in the next."""
MULTIGET_BATCH = 100
"""Resources fetched by one multiget REPORT (and written in one transaction)."""


def _share_points(one: content.Identity, other: content.Identity) -> bool:
    """Two contacts of one name are one when they share a phone or e-mail (or neither has any)."""
    return one.contact_points == other.contact_points or bool(one.contact_points & other.contact_points)


@dataclass
class Counts:
    """What one pull or push did, for the log."""

    done: Counter[str]

    def __str__(self) -> str:
        return ",".join(f"{name}:{number}" for name, number in sorted(self.done.items())) or "no change"


class FolderSync:
    """One linked collection and its folder: pull, push, and the conflicts between them; what they write into
    the folder is recorded as the change session ``recording`` (``syncmld history`` lists it, ``undo`` takes
    it back)."""

    def __init__(
        self,
        store: Store,
        client: DavClient,
        email: str,
        collection: UpstreamCollection,
        now: float,
        recording: ChangeSessionSpec,
    ) -> None:
        self.store = store
        self.recording = recording
        self.client = client
        self.email = email
        self.collection = collection
        self.now = now
        self.counts = Counts(Counter())
        self._device_id: int | None = None
        self._unlinked: list[StoredItem] | None = None
        """The folder's items linked to no resource, read when the first unknown resource comes."""
        self._parsed: dict[str, ParsedItem] = {}
        self._linked_folder: Folder | None = None

    # ------------------------------------------------------------------------------- pull

    def pull(self) -> None:
        """Bring in what changed upstream since the last pull."""
        listing = self._listing()
        with self.store.transaction() as tx:
            known = tx.upstream_resources(self.collection.folder_id, [*listing.changed, *listing.deleted])
        wanted = [href for href, etag in listing.changed.items() if href not in known or known[href].etag != etag]
        for start in range(0, len(wanted), MULTIGET_BATCH):
            fetched = self.client.multiget(
                self.collection.href, self.collection.component, wanted[start : start + MULTIGET_BATCH]
            )
            with self._recorded() as tx:
                self._take(tx, fetched)
        with self._recorded() as tx:
            self._take_deletions(tx, [href for href in listing.deleted if href in known])
            self.collection = self._current(tx)
            self.collection = replace(self.collection, sync_token=listing.token, ctag=listing.ctag)
            tx.save_upstream_collection(self.collection)

    def _listing(self) -> Listing:
        """What changed upstream: by sync-collection from the token kept; else, when the collection's getctag
        moved (or it offers none), every ETag against those kept."""
        token, ctag = self.collection.sync_token, self.collection.ctag
        if token:
            try:
                return self.client.sync_collection(self.collection.href, token)
            except InvalidToken as error:
                log.warning("upstream of %s: %s; listing %s whole", self.email, error, self.collection.href)
                return self._whole(self.client.sync_collection(self.collection.href, ""))
        if not ctag:
            try:
                return self._whole(self.client.sync_collection(self.collection.href, ""))
            except Unauthorized:
                raise
            except Answered as error:
                log.info("upstream of %s: no sync-collection (%s): comparing ETags", self.email, error)
        now = self.client.ctag(self.collection.href)
        if now and now == ctag:
            return Listing({}, [], "", ctag)
        return replace(self._whole(Listing(self.client.etags(self.collection.href), [], "")), ctag=now)

    def _whole(self, listing: Listing) -> Listing:
        """A listing of every resource, with those the store knows and it lacks as deleted."""
        with self.store.transaction() as tx:
            kept = tx.all_upstream_resources(self.collection.folder_id)
        gone = [resource.href for resource in kept if resource.href not in listing.changed]
        return replace(listing, deleted=gone)

    def _take(self, tx: Transaction, batch: list[Fetched]) -> dict[str, Winner]:
        """Write upstream resources into the folder, merged into their items (in a few statements whatever the
        batch's size); an item changed here too is settled by policy (its winner returned, by href)."""
        folder = self._folder(tx)
        device = self._device(tx)
        batch = [fetched for fetched in batch if holds(self.collection.component, fetched.data)]
        resources = tx.upstream_resources(folder.id, [fetched.href for fetched in batch])
        items = tx.get_items(folder.id, [resource.guid for resource in resources.values()])
        writes: list[NewItem] = []
        kept: list[HistoryEntry] = []
        linked: list[UpstreamResource] = []
        winners: dict[str, Winner] = {}
        for fetched in batch:
            resource = resources.get(fetched.href)
            local = items.get(resource.guid) if resource is not None else self._same_item(tx, folder, fetched)
            try:
                stored_type, stored = content.to_stored(
                    media_type(self.collection.component),
                    fetched.data,
                    local.data if local is not None else None,
                    None,
                    folder_kind(folder.name).value,
                )
            except RemoteError as error:
                log.warning("upstream of %s: %s is refused: %s", self.email, fetched.href, error)
                self.counts.done["refused"] += 1
                continue
            guid = local.guid if local is not None else new_guid()
            incoming = content.read(stored_type, stored)
            linked.append(UpstreamResource(folder.id, fetched.href, guid, fetched.etag, incoming.uid or ""))
            if local is not None and content.normal_form(
                content.read(local.content_type, local.data)
            ) == content.normal_form(incoming):
                continue
            if local is not None and self._pending(local, device):
                winners[fetched.href] = self._conflict(tx, folder, local, stored_type, stored, fetched.href)
                continue
            if local is not None:
                kept.append(self._kept(local, "replaced"))
            writes.append(NewItem(guid, stored_type, stored))
            self.counts.done["replaced" if local is not None else "added"] += 1
        tx.keep_history(kept)
        tx.put_items(folder.id, writes, device)
        tx.put_upstream_resources(linked)
        return winners

    def _conflict(
        self, tx: Transaction, folder: Folder, local: StoredItem, stored_type: str, stored: bytes, href: str
    ) -> Winner:
        policy = CONFLICT.read(tx, account=self.email)
        base = self._base(tx, local)
        outcome = resolve(
            policy,
            content.read(stored_type, local.data),
            content.read(stored_type, stored),
            content.read(stored_type, base) if base is not None else None,
        )
        self.counts.done["conflicts"] += 1
        log.info(
            "upstream of %s: %s changed both here and upstream (%s): %s",
            self.email,
            href,
            policy.value,
            "the upstream's version wins" if outcome.outcome == Winner.CLIENT else f"{outcome.outcome.value}",
        )
        if outcome.outcome == Winner.CLIENT:
            self._keep(tx, local, "lost a conflict")
            tx.put_items(folder.id, [NewItem(local.guid, stored_type, stored)], self._device(tx))
        elif outcome.outcome == Winner.MERGED and outcome.data is not None:
            self._keep(tx, local, "merged")
            tx.put_items(folder.id, [NewItem(local.guid, stored_type, outcome.data)], None)
        else:
            # The folder's version stays and goes up over the upstream's; a duplicate is not made upstream,
            # where the two would share a UID: the upstream's version is kept in the history instead.
            tx.keep_history([HistoryEntry(folder.id, local.guid, stored_type, stored, "lost a conflict", self.now)])
        return outcome.outcome

    def _take_deletions(self, tx: Transaction, hrefs: list[str]) -> None:
        """Resources deleted upstream: their items are deleted, unless changed here since (the change wins)."""
        if not hrefs:
            return
        folder = self._folder(tx)
        device = self._device(tx)
        resources = tx.upstream_resources(folder.id, hrefs)
        items = tx.get_items(folder.id, [resource.guid for resource in resources.values()])
        doomed = []
        for resource in resources.values():
            local = items.get(resource.guid)
            if local is None:
                continue
            if self._pending(local, device):
                log.info(
                    "upstream of %s: %s was deleted upstream but changed here: it goes up again",
                    self.email,
                    resource.href,
                )
                continue
            self._keep(tx, local, "deleted")
            doomed.append(local.guid)
        tx.delete_items(folder.id, doomed, device)
        tx.delete_upstream_resources(folder.id, hrefs)
        self.counts.done["deleted"] += len(doomed)

    def _same_item(self, tx: Transaction, folder: Folder, fetched: Fetched) -> StoredItem | None:
        """A live item of the folder linked to no resource yet that is the same object (the same UID, else what a
        slow sync matches on: the name and a shared phone or e-mail): an account that had data before its
        upstream is not doubled. The folder is read once per pull, and only when an unknown resource comes."""
        if self._unlinked is None:
            linked = {resource.guid for resource in tx.all_upstream_resources(folder.id)}
            self._unlinked = [item for item in tx.iter_items(folder.id) if item.guid not in linked]
            self._parsed = {}
        if not self._unlinked:
            return None
        try:
            incoming = content.read(*content.to_stored(media_type(self.collection.component), fetched.data, None, None))
        except RemoteError:
            return None
        uid, wanted = incoming.uid, content.identity(incoming)
        holders = {uid, *tx.guids_with_uid(folder.id, uid)} if uid else set()
        for index, item in enumerate(self._unlinked):
            if item.guid in holders:
                del self._unlinked[index]
                return item
            if item.guid not in self._parsed:
                self._parsed[item.guid] = content.read(item.content_type, item.data)
            found = content.identity(self._parsed[item.guid])
            if found.name == wanted.name and _share_points(found, wanted):
                del self._unlinked[index]
                return item
        return None

    # ------------------------------------------------------------------------------- push

    def push(self) -> None:
        """Send up the folder's changes made after ``pushed_seq`` by anyone but the upstream (a conflict's merge
        made on the way goes up in the next round)."""
        for _ in range(PUSH_ROUNDS):
            with self.store.transaction() as tx:
                self.collection = self._current(tx)
                upto = tx.current_seq()
                changes = tx.changes_since(
                    self.collection.folder_id, self.collection.pushed_seq, upto, self._device(tx)
                )
                resources = tx.upstream_resources_of(self.collection.folder_id, [item.guid for item in changes])
            for item in changes:
                self._push_item(item, resources.get(item.guid))
            if upto > self.collection.pushed_seq:
                # Past the upstream's own changes too: the history's versions up to here are what both sides
                # had, the base a conflict is merged against.
                self._done(upto, None, None)
            if not changes:
                return

    def _push_item(self, item: StoredItem, resource: UpstreamResource | None) -> None:
        if item.deleted:
            if resource is not None:
                self._push_deletion(item, resource)
            self._done(item.seq, None, resource)
            return
        if not holds(self.collection.component, item.data):
            self._done(item.seq, None, None)
            return
        sent = served(content.read(item.content_type, item.data), item.guid)
        data = sent.data
        href = resource.href if resource is not None else self._new_href(item.guid)
        try:
            etag = self.client.put(href, self.collection.component, data, resource.etag if resource else None)
        except PreconditionFailed:
            current = self.client.get(href)
            if current is None:  # deleted upstream meanwhile: the change wins
                etag = self.client.put(href, self.collection.component, data, None)
            else:
                with self._recorded() as tx:
                    winner = self._take(tx, [current]).get(current.href)
                if winner != Winner.SERVER:
                    self._done(item.seq, None, None)
                    return
                etag = self.client.put(href, self.collection.component, data, current.etag)
        self.counts.done["put"] += 1
        written = UpstreamResource(item.folder_id, href, item.guid, etag or self._etag(href), sent.uid or "")
        self._done(item.seq, written, None)

    def _push_deletion(self, item: StoredItem, resource: UpstreamResource) -> None:
        try:
            self.client.delete(resource.href, resource.etag)
        except PreconditionFailed:
            current = self.client.get(resource.href)
            if current is not None:
                log.info("upstream of %s: %s deleted here, changed upstream: it comes back", self.email, resource.href)
                with self._recorded() as tx:
                    self._take(tx, [current])
                return
        self.counts.done["deleted"] += 1

    def _done(self, seq: int, written: UpstreamResource | None, gone: UpstreamResource | None) -> None:
        """Record one change as being upstream: its resource, and ``pushed_seq`` past it."""
        with self.store.transaction() as tx:
            if gone is not None:
                tx.delete_upstream_resources(gone.folder_id, [gone.href])
            if written is not None:
                tx.put_upstream_resources([written])
            current = self._current(tx)
            self.collection = replace(current, pushed_seq=max(seq, current.pushed_seq))
            tx.save_upstream_collection(self.collection)

    def _etag(self, href: str) -> str:
        """The ETag of a resource the upstream answered a PUT of without one."""
        fetched = self.client.get(href)
        return fetched.etag if fetched is not None else ""

    def _new_href(self, guid: str) -> str:
        return self.collection.href.rstrip("/") + "/" + guid + extension(self.collection.component)

    # ------------------------------------------------------------------------------- common

    @contextmanager
    def _recorded(self) -> Iterator[Transaction]:
        """A transaction whose item writes are recorded as this sync's change session."""
        with self.store.transaction() as tx:
            tx.record_changes_as(self.recording)
            yield tx

    def _device(self, tx: Transaction) -> int:
        if self._device_id is None:
            self._device_id = tx.ensure_device(self.collection.account_id, UPSTREAM_DEVICE).id
        return self._device_id

    def _pending(self, local: StoredItem, device: int) -> bool:
        """Whether the item changed here after the last push (and not by the upstream): not yet upstream."""
        return local.seq > self.collection.pushed_seq and local.origin_device_id != device

    def _base(self, tx: Transaction, local: StoredItem) -> bytes | None:
        """The version both sides had at the last push, if the history still holds it."""
        older = [e for e in tx.list_history(local.folder_id, local.guid) if 0 < e.seq <= self.collection.pushed_seq]
        return max(older, key=lambda entry: entry.seq).data if older else None

    def _keep(self, tx: Transaction, item: StoredItem, reason: str) -> None:
        tx.keep_history([self._kept(item, reason)])

    def _kept(self, item: StoredItem, reason: str) -> HistoryEntry:
        return HistoryEntry(item.folder_id, item.guid, item.content_type, item.data, reason, self.now, item.seq)

    def _folder(self, tx: Transaction) -> Folder:
        if self._linked_folder is None:
            folders = tx.list_folders(self.collection.account_id)
            self._linked_folder = next(f for f in folders if f.id == self.collection.folder_id)
        return self._linked_folder

    def _current(self, tx: Transaction) -> UpstreamCollection:
        found = [
            c for c in tx.upstream_collections(self.collection.account_id) if c.folder_id == self.collection.folder_id
        ]
        return found[0] if found else self.collection
