"""The in-memory store's upstreams."""

import dataclasses
from collections.abc import Iterable

from syncmld.store.base import NotFound
from syncmld.store.memory.tables import MemoryRole
from syncmld.store.upstreams import UpstreamCollection, UpstreamLink, UpstreamResource, UpstreamStatus


class MemoryUpstreams(MemoryRole):
    """See ``syncmld.store.upstreams.Upstreams``."""

    def set_upstream(self, link: UpstreamLink) -> None:
        self._require_account(link.account_id)
        self._t.upstreams[link.account_id] = link

    def get_upstream(self, account_id: int) -> UpstreamLink | None:
        return self._t.upstreams.get(account_id)

    def list_upstreams(self) -> list[UpstreamLink]:
        return [self._t.upstreams[account_id] for account_id in sorted(self._t.upstreams)]

    def remove_upstream(self, account_id: int) -> None:
        if self._t.upstreams.pop(account_id, None) is None:
            raise NotFound(f"account {account_id} has no upstream")
        self._drop_collections(account_id, keep=set())

    def _drop_collections(self, account_id: int, keep: set[int]) -> None:
        for folder_id, collection in list(self._t.upstream_collections.items()):
            if collection.account_id == account_id and folder_id not in keep:
                del self._t.upstream_collections[folder_id]
                self._t.upstream_resources.pop(folder_id, None)

    def claim_upstream(self, account_id: int, holder: str, now: float, until: float) -> bool:
        if account_id not in self._t.upstreams:
            return False
        other, held_until = self._t.upstream_claims.get(account_id, (holder, 0.0))
        if other != holder and held_until >= now:
            return False
        self._t.upstream_claims[account_id] = (holder, until)
        return True

    def release_upstream(self, account_id: int, holder: str) -> None:
        if self._t.upstream_claims.get(account_id, ("", 0.0))[0] == holder:
            del self._t.upstream_claims[account_id]

    def set_upstream_status(self, account_id: int, status: UpstreamStatus, note: str, retry_at: float) -> None:
        link = self._t.upstreams.get(account_id)
        if link is None:
            raise NotFound(f"account {account_id} has no upstream")
        self._t.upstreams[account_id] = dataclasses.replace(link, status=status, note=note, retry_at=retry_at)

    def set_upstream_collections(self, account_id: int, collections: Iterable[UpstreamCollection]) -> None:
        wanted = {collection.folder_id: collection for collection in collections}
        kept = {
            folder_id
            for folder_id, collection in self._t.upstream_collections.items()
            if collection.account_id == account_id
            and folder_id in wanted
            and (collection.href, collection.component) == (wanted[folder_id].href, wanted[folder_id].component)
        }
        self._drop_collections(account_id, kept)
        for folder_id, collection in wanted.items():
            if folder_id in kept:
                before = self._t.upstream_collections[folder_id]
                collection = dataclasses.replace(before, display_name=collection.display_name)
            self._t.upstream_collections[folder_id] = collection

    def upstream_collections(self, account_id: int) -> list[UpstreamCollection]:
        return [
            collection
            for _, collection in sorted(self._t.upstream_collections.items())
            if collection.account_id == account_id
        ]

    def save_upstream_collection(self, collection: UpstreamCollection) -> None:
        before = self._t.upstream_collections.get(collection.folder_id)
        if before is None or before.account_id != collection.account_id:
            raise NotFound(f"folder {collection.folder_id} is not linked to an upstream collection")
        self._t.upstream_collections[collection.folder_id] = dataclasses.replace(
            before, sync_token=collection.sync_token, ctag=collection.ctag, pushed_seq=collection.pushed_seq
        )

    def _resources(self, folder_id: int) -> dict[str, UpstreamResource]:
        return self._t.upstream_resources.get(folder_id, {})

    def upstream_resources(self, folder_id: int, hrefs: Iterable[str]) -> dict[str, UpstreamResource]:
        known = self._resources(folder_id)
        return {href: known[href] for href in hrefs if href in known}

    def upstream_resources_of(self, folder_id: int, guids: Iterable[str]) -> dict[str, UpstreamResource]:
        wanted = set(guids)
        return {resource.guid: resource for resource in self._resources(folder_id).values() if resource.guid in wanted}

    def all_upstream_resources(self, folder_id: int) -> list[UpstreamResource]:
        return [resource for _, resource in sorted(self._resources(folder_id).items())]

    def put_upstream_resources(self, resources: Iterable[UpstreamResource]) -> None:
        for resource in resources:
            if resource.folder_id not in self._t.upstream_collections:
                raise NotFound(f"folder {resource.folder_id} is not linked to an upstream collection")
            known = self._t.upstream_resources.setdefault(resource.folder_id, {})
            for href, other in list(known.items()):
                if other.guid == resource.guid:
                    del known[href]
            known[resource.href] = resource

    def delete_upstream_resources(self, folder_id: int, hrefs: Iterable[str]) -> None:
        known = self._t.upstream_resources.get(folder_id, {})
        for href in hrefs:
            known.pop(href, None)
