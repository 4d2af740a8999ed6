"""What is particular to the PostgreSQL store: migrations, URLs, opening errors, concurrent writers."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from syncmld.store import open_store
from syncmld.store.base import NewItem, StoreError
from syncmld.store.postgres import DRIVER_NAME
from syncmld.store.schema import metadata
from tests.store.backends import fresh_postgres_url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_postgres_url() as url:
        yield url


def test_opening_migrates_to_the_newest_schema_matching_the_tables_of_the_code(postgres_url: str) -> None:
    open_store(postgres_url).close()
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert context.get_current_revision() is not None
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_a_plain_postgresql_url_is_opened_with_psycopg_and_data_survives_reopening(postgres_url: str) -> None:
    plain = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    assert plain.startswith("postgresql://")
    store = open_store(plain)
    with store.transaction() as tx:
        tx.add_account("anna@example.org", "md5", "hash")
    store.close()
    store = open_store(postgres_url)
    try:
        with store.transaction() as tx:
            assert tx.get_account("ANNA@example.org") is not None
    finally:
        store.close()


def test_an_unreachable_server_is_a_store_error_that_hides_the_password() -> None:
    url = f"{DRIVER_NAME}://someone:topsecret@127.0.0.1:1/nothing"
    with pytest.raises(StoreError, match="cannot open the PostgreSQL store") as raised:
        open_store(url)
    assert "topsecret" not in str(raised.value)


def test_another_driver_is_refused() -> None:
    with pytest.raises(StoreError, match="unsupported"):
        open_store("postgresql+asyncpg://someone@127.0.0.1/nothing")


def test_writers_on_separate_connections_get_distinct_sequence_numbers(postgres_url: str) -> None:
    store = open_store(postgres_url)
    try:
        with store.transaction() as tx:
            account = tx.add_account("anna@example.org", "md5", "hash")
            folder_id = tx.ensure_folder(account.id, "contacts").id

        def write(writer: int) -> list[int]:
            seqs = []
            for round_ in range(10):
                with store.transaction() as tx:
                    batch = [NewItem(f"w{writer}-{round_}-{n}", "text/x-vcard", b"BEGIN") for n in range(5)]
                    seqs += [item.seq for item in tx.put_items(folder_id, batch, None)]
            return seqs

        with ThreadPoolExecutor(4) as pool:
            written = [seq for seqs in pool.map(write, range(4)) for seq in seqs]
        assert len(set(written)) == len(written) == 200
        with store.transaction() as tx:
            assert tx.count_items(folder_id) == 200
            assert tx.current_seq() == max(written)
            assert [item.seq for item in tx.changes_since(folder_id, 0, tx.current_seq(), None)] == sorted(written)
    finally:
        store.close()
