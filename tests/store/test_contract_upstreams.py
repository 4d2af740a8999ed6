"""The store contract for accounts' upstream servers, checked on every backend."""

import pytest
from sqlalchemy import create_engine, text

from syncmld.store.base import NotFound, Store
from syncmld.store.upstreams import Component, UpstreamCollection, UpstreamLink, UpstreamResource, UpstreamStatus
from tests.store.sample import Abort, make_owner

URL = "https://dav.example.net/"


def link(account_id: int) -> UpstreamLink:
    return UpstreamLink(account_id, URL, "anna", "upstream pässword")


def test_an_upstream_is_set_replaced_read_listed_and_removed_with_its_collections(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.set_upstream(UpstreamLink(owner.account_id, "https://old.example.net/", "old", "old"))
        tx.set_upstream_collections(
            owner.account_id, [UpstreamCollection(owner.account_id, owner.folder_id, URL + "c/", Component.VCARD)]
        )
        tx.put_upstream_resources([UpstreamResource(owner.folder_id, URL + "c/a.vcf", "g1", '"1"', "u1")])
        tx.set_upstream(link(owner.account_id))
    with store.transaction() as tx:
        assert tx.get_upstream(owner.account_id) == link(owner.account_id)
        assert len(tx.upstream_collections(owner.account_id)) == 1
        assert tx.list_upstreams() == [link(owner.account_id)]
        tx.set_upstream_status(owner.account_id, UpstreamStatus.UNAUTHORIZED, "401 from the upstream", 0.0)
    with store.transaction() as tx:
        stored = tx.get_upstream(owner.account_id)
        assert stored is not None and stored.status == UpstreamStatus.UNAUTHORIZED
        assert stored.note == "401 from the upstream"
        tx.remove_upstream(owner.account_id)
        with pytest.raises(NotFound):
            tx.remove_upstream(owner.account_id)
    with store.transaction() as tx:
        assert tx.get_upstream(owner.account_id) is None
        assert tx.upstream_collections(owner.account_id) == []
        assert tx.all_upstream_resources(owner.folder_id) == []
        assert tx.get_items(owner.folder_id, ["g1"]) == {}  # the map goes; items are the folder's


def test_the_upstream_password_is_not_in_the_database_in_the_clear(store: Store, store_url: str) -> None:
    if not store_url.startswith("sqlite"):
        pytest.skip("the memory store keeps nothing on disk; PostgreSQL is read the same way as SQLite")
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.set_upstream(link(owner.account_id))
    engine = create_engine(store_url)
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT password FROM upstreams")).scalar_one()
    engine.dispose()
    assert "pässword" not in kept and kept.startswith("sealed1:")


def test_collections_keep_their_tokens_and_map_when_linked_again_to_the_same_href(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        events = tx.ensure_folder(owner.account_id, "events")
        tx.set_upstream(link(owner.account_id))
        contacts = UpstreamCollection(owner.account_id, owner.folder_id, URL + "c/", Component.VCARD)
        calendar = UpstreamCollection(owner.account_id, events.id, URL + "cal/", Component.VEVENT)
        tx.set_upstream_collections(owner.account_id, [contacts, calendar])
        tx.save_upstream_collection(
            UpstreamCollection(owner.account_id, owner.folder_id, "", Component.VCARD, "", "tok-1", "ctag", 42)
        )
        tx.put_upstream_resources(
            [
                UpstreamResource(owner.folder_id, URL + "c/a.vcf", "g1", '"1"'),
                UpstreamResource(events.id, URL + "cal/e.ics", "g2", '"2"'),
            ]
        )
    with store.transaction() as tx:
        moved = UpstreamCollection(owner.account_id, events.id, URL + "other/", Component.VEVENT)
        tx.set_upstream_collections(owner.account_id, [contacts, moved])
    with store.transaction() as tx:
        kept, relinked = tx.upstream_collections(owner.account_id)
        assert (kept.sync_token, kept.ctag, kept.pushed_seq) == ("tok-1", "ctag", 42)
        assert tx.upstream_resources(owner.folder_id, [URL + "c/a.vcf"])[URL + "c/a.vcf"].guid == "g1"
        assert relinked == moved
        assert tx.all_upstream_resources(events.id) == []
        with pytest.raises(NotFound):
            tx.save_upstream_collection(
                UpstreamCollection(owner.account_id, owner.folder_id + 1000, "", Component.VCARD)
            )


def test_an_href_and_a_guid_are_one_resource_each(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.set_upstream(link(owner.account_id))
        tx.set_upstream_collections(
            owner.account_id, [UpstreamCollection(owner.account_id, owner.folder_id, URL, Component.VCARD)]
        )
        tx.put_upstream_resources(
            [UpstreamResource(owner.folder_id, "a", "g1", "e1"), UpstreamResource(owner.folder_id, "b", "g2", "e2")]
        )
        tx.put_upstream_resources([UpstreamResource(owner.folder_id, "c", "g1", "e3")])
    with store.transaction() as tx:
        assert [(r.href, r.guid) for r in tx.all_upstream_resources(owner.folder_id)] == [("b", "g2"), ("c", "g1")]
        assert tx.upstream_resources_of(owner.folder_id, ["g1", "gx"]) == {
            "g1": UpstreamResource(owner.folder_id, "c", "g1", "e3")
        }
        tx.delete_upstream_resources(owner.folder_id, ["b", "zz"])
    with store.transaction() as tx:
        assert list(tx.upstream_resources(owner.folder_id, ["b", "c"])) == ["c"]


def test_an_upstream_goes_with_its_account_and_a_failed_transaction_leaves_none(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
    with pytest.raises(Abort), store.transaction() as tx:
        tx.set_upstream(link(owner.account_id))
        raise Abort
    with store.transaction() as tx:
        assert tx.get_upstream(owner.account_id) is None
        tx.set_upstream(link(owner.account_id))
        tx.set_upstream_collections(
            owner.account_id, [UpstreamCollection(owner.account_id, owner.folder_id, URL, Component.VCARD)]
        )
        tx.remove_account("anna@example.org")
    with store.transaction() as tx:
        assert tx.list_upstreams() == []
        again = make_owner(tx)
        assert tx.upstream_collections(again.account_id) == []
        with pytest.raises(NotFound):
            tx.set_upstream(link(again.account_id + 1000))


def test_one_holder_at_a_time_claims_an_upstream_until_its_lease_runs_out_or_it_lets_go(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        assert not tx.claim_upstream(owner.account_id, "one", 100.0, 160.0), "no upstream: nothing to hold"
        tx.set_upstream(link(owner.account_id))
    with store.transaction() as tx:
        assert tx.claim_upstream(owner.account_id, "one", 100.0, 160.0)
    with store.transaction() as tx:
        assert not tx.claim_upstream(owner.account_id, "two", 150.0, 210.0)
        assert tx.claim_upstream(owner.account_id, "one", 150.0, 210.0), "renewed by its holder"
        assert not tx.claim_upstream(owner.account_id, "two", 200.0, 260.0)
        assert tx.claim_upstream(owner.account_id, "two", 211.0, 271.0), "the lease ran out"
        tx.release_upstream(owner.account_id, "one")
        assert not tx.claim_upstream(owner.account_id, "one", 212.0, 272.0), "only its holder lets it go"
        tx.release_upstream(owner.account_id, "two")
        assert tx.claim_upstream(owner.account_id, "one", 212.0, 272.0)


def test_linking_the_upstream_again_keeps_the_claim_of_the_sync_under_way(store: Store) -> None:
    with store.transaction() as tx:
        owner = make_owner(tx)
        tx.set_upstream(link(owner.account_id))
        assert tx.claim_upstream(owner.account_id, "one", 100.0, 160.0)
    with store.transaction() as tx:
        tx.set_upstream(link(owner.account_id))
    with store.transaction() as tx:
        assert not tx.claim_upstream(owner.account_id, "two", 150.0, 210.0), "the claim outlives a new link"
