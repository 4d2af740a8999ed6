"""The SQL store's upstreams: the password sealed under the server key on the way in, opened on the way out."""

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, bindparam, delete, insert, or_, select, update

from syncmld.store.base import NotFound
from syncmld.store.schema import upstream_collections, upstream_resources, upstreams
from syncmld.store.sql.common import SqlRole, chunks
from syncmld.store.sql.prepared import Prepared
from syncmld.store.upstreams import Component, UpstreamCollection, UpstreamLink, UpstreamResource, UpstreamStatus

log = logging.getLogger(__name__)


def password_owner(account_id: int) -> str:
    """What a sealed upstream password is bound to: it opens for its account only."""
    return f"upstream of account {account_id}"


def _collection(row: Row[Any]) -> UpstreamCollection:
    return UpstreamCollection(
        row.account_id,
        row.folder_id,
        row.href,
        Component(row.component),
        row.display_name,
        row.sync_token,
        row.ctag,
        row.pushed_seq,
    )


def _resource(row: Row[Any]) -> UpstreamResource:
    return UpstreamResource(row.folder_id, row.href, row.guid, row.etag, row.uid)


_UPSTREAM = Prepared(select(upstreams).where(upstreams.c.account_id == bindparam("account_id")))
"""Prepared: every session that logs in or ends looks for the account's upstream."""


class SqlUpstreams(SqlRole):
    """See ``syncmld.store.upstreams.Upstreams``."""

    def _link(self, row: Row[Any]) -> UpstreamLink:
        password = self._box.open(row.password, password_owner(row.account_id))
        if password is None:
            log.warning("the upstream password of account %d does not open with this server key", row.account_id)
        return UpstreamLink(
            row.account_id, row.url, row.username, password or "", UpstreamStatus(row.status), row.note, row.retry_at
        )

    def set_upstream(self, link: UpstreamLink) -> None:
        self._require_account(link.account_id)
        values = {
            "url": link.url,
            "username": link.username,
            "password": self._box.seal(link.password, password_owner(link.account_id)),
            "status": link.status.value,
            "note": link.note,
            "retry_at": link.retry_at,
        }
        linked = update(upstreams).where(upstreams.c.account_id == link.account_id).values(values)
        if self._connection.execute(linked).rowcount == 0:  # the claim of a sync under way stays as it was
            self._connection.execute(insert(upstreams).values(account_id=link.account_id, **values))

    def get_upstream(self, account_id: int) -> UpstreamLink | None:
        row = _UPSTREAM.first(self._connection, {"account_id": account_id})
        return None if row is None else self._link(row)

    def list_upstreams(self) -> list[UpstreamLink]:
        rows = self._connection.execute(select(upstreams).order_by(upstreams.c.account_id))
        return [self._link(row) for row in rows]

    def remove_upstream(self, account_id: int) -> None:
        folders = select(upstream_collections.c.folder_id).where(upstream_collections.c.account_id == account_id)
        self._connection.execute(delete(upstream_resources).where(upstream_resources.c.folder_id.in_(folders)))
        self._connection.execute(delete(upstream_collections).where(upstream_collections.c.account_id == account_id))
        if self._connection.execute(delete(upstreams).where(upstreams.c.account_id == account_id)).rowcount == 0:
            raise NotFound(f"account {account_id} has no upstream")

    def claim_upstream(self, account_id: int, holder: str, now: float, until: float) -> bool:
        statement = (
            update(upstreams)
            .where(
                upstreams.c.account_id == account_id,
                or_(
                    upstreams.c.claimed_by.is_(None),
                    upstreams.c.claimed_by == holder,
                    upstreams.c.claimed_until < now,
                ),
            )
            .values(claimed_by=holder, claimed_until=until)
        )
        return bool(self._connection.execute(statement).rowcount == 1)

    def release_upstream(self, account_id: int, holder: str) -> None:
        self._connection.execute(
            update(upstreams)
            .where(upstreams.c.account_id == account_id, upstreams.c.claimed_by == holder)
            .values(claimed_by=None, claimed_until=None)
        )

    def set_upstream_status(self, account_id: int, status: UpstreamStatus, note: str, retry_at: float) -> None:
        statement = (
            update(upstreams)
            .where(upstreams.c.account_id == account_id)
            .values(status=status.value, note=note, retry_at=retry_at)
        )
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"account {account_id} has no upstream")

    def set_upstream_collections(self, account_id: int, collections: Iterable[UpstreamCollection]) -> None:
        wanted = {collection.folder_id: collection for collection in collections}
        kept = {
            collection.folder_id
            for collection in self.upstream_collections(account_id)
            if collection.folder_id in wanted
            and (collection.href, collection.component)
            == (wanted[collection.folder_id].href, wanted[collection.folder_id].component)
        }
        dropped = select(upstream_collections.c.folder_id).where(
            upstream_collections.c.account_id == account_id, upstream_collections.c.folder_id.not_in(kept)
        )
        self._connection.execute(delete(upstream_resources).where(upstream_resources.c.folder_id.in_(dropped)))
        self._connection.execute(
            delete(upstream_collections).where(
                upstream_collections.c.account_id == account_id, upstream_collections.c.folder_id.not_in(kept)
            )
        )
        for folder_id, collection in wanted.items():
            if folder_id in kept:
                self._connection.execute(
                    update(upstream_collections)
                    .where(upstream_collections.c.folder_id == folder_id)
                    .values(display_name=collection.display_name)
                )
            else:
                self._connection.execute(upstream_collections.insert(), self._collection_row(collection))

    @staticmethod
    def _collection_row(collection: UpstreamCollection) -> dict[str, Any]:
        return {
            "folder_id": collection.folder_id,
            "account_id": collection.account_id,
            "href": collection.href,
            "component": collection.component.value,
            "display_name": collection.display_name,
            "sync_token": collection.sync_token,
            "ctag": collection.ctag,
            "pushed_seq": collection.pushed_seq,
        }

    def upstream_collections(self, account_id: int) -> list[UpstreamCollection]:
        statement = (
            select(upstream_collections)
            .where(upstream_collections.c.account_id == account_id)
            .order_by(upstream_collections.c.folder_id)
        )
        return [_collection(row) for row in self._connection.execute(statement)]

    def save_upstream_collection(self, collection: UpstreamCollection) -> None:
        statement = (
            update(upstream_collections)
            .where(
                upstream_collections.c.folder_id == collection.folder_id,
                upstream_collections.c.account_id == collection.account_id,
            )
            .values(sync_token=collection.sync_token, ctag=collection.ctag, pushed_seq=collection.pushed_seq)
        )
        if self._connection.execute(statement).rowcount == 0:
            raise NotFound(f"folder {collection.folder_id} is not linked to an upstream collection")

    def _resources_where(self, folder_id: int, column: str, values: Iterable[str]) -> list[UpstreamResource]:
        found = []
        for chunk in chunks(list(values)):
            statement = select(upstream_resources).where(
                upstream_resources.c.folder_id == folder_id, upstream_resources.c[column].in_(chunk)
            )
            found += [_resource(row) for row in self._connection.execute(statement)]
        return found

    def upstream_resources(self, folder_id: int, hrefs: Iterable[str]) -> dict[str, UpstreamResource]:
        return {resource.href: resource for resource in self._resources_where(folder_id, "href", hrefs)}

    def upstream_resources_of(self, folder_id: int, guids: Iterable[str]) -> dict[str, UpstreamResource]:
        return {resource.guid: resource for resource in self._resources_where(folder_id, "guid", guids)}

    def all_upstream_resources(self, folder_id: int) -> list[UpstreamResource]:
        statement = (
            select(upstream_resources)
            .where(upstream_resources.c.folder_id == folder_id)
            .order_by(upstream_resources.c.href)
        )
        return [_resource(row) for row in self._connection.execute(statement)]

    def put_upstream_resources(self, resources: Iterable[UpstreamResource]) -> None:
        by_folder: dict[int, dict[str, UpstreamResource]] = {}
        for resource in resources:
            by_folder.setdefault(resource.folder_id, {})[resource.href] = resource
        for folder_id, by_href in by_folder.items():
            # Applied in order, a later pair takes the GUID from an earlier one: keep the last per GUID.
            by_guid = {resource.guid: resource for resource in by_href.values()}
            self._delete_where(folder_id, "href", [resource.href for resource in by_guid.values()])
            self._delete_where(folder_id, "guid", list(by_guid))
            rows = [
                {"folder_id": r.folder_id, "href": r.href, "guid": r.guid, "etag": r.etag, "uid": r.uid}
                for r in by_guid.values()
            ]
            self._connection.execute(upstream_resources.insert(), rows)

    def _delete_where(self, folder_id: int, column: str, values: Sequence[str]) -> None:
        for chunk in chunks(values):
            self._connection.execute(
                delete(upstream_resources).where(
                    upstream_resources.c.folder_id == folder_id, upstream_resources.c[column].in_(chunk)
                )
            )

    def delete_upstream_resources(self, folder_id: int, hrefs: Iterable[str]) -> None:
        self._delete_where(folder_id, "href", list(hrefs))
