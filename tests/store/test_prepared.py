"""Statements run on the driver's cursor (``store/sql/prepared.py``) read and fail as SQLAlchemy's execution does."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from syncmld.store.base import DeviceSync, Store, StoreError
from syncmld.store.schema import accounts, metadata, settings
from syncmld.store.sql.common import any_of, with_dialect_insert
from syncmld.store.sql.prepared import Prepared
from tests.store.backends import empty_store_url


def test_flags_read_back_as_booleans(sql_store: Store) -> None:
    """SQLite keeps a flag as 0 or 1; what a prepared statement reads is the bool it was, as through SQLAlchemy."""
    with sql_store.transaction() as tx:
        tx.add_account("anna@example.org", "", "")
        tx.add_domain("example.org")
        tx.set_account_enabled("anna@example.org", False)
    with sql_store.transaction() as tx:
        account = tx.get_account("anna@example.org")
        domain = tx.get_domain("example.org")
        rules = tx.access_rules("anna@example.org")

    assert account is not None and account.enabled is False
    assert domain is not None and domain.enabled is True
    assert rules.domain_enabled is True


def test_a_statement_the_database_refuses_leaves_nothing_of_its_transaction(sql_store: Store) -> None:
    record = DeviceSync(999_999, "contacts", "two-way", "ok", 1000.0)
    with pytest.raises(StoreError), sql_store.transaction() as tx:
        tx.set_setting("conflict", "merge")
        tx.record_device_sync(record)  # of a device that does not exist

    with sql_store.transaction() as tx:
        assert tx.get_setting("conflict") is None


def test_a_statement_rewritten_at_each_run_is_not_prepared() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    expanding = Prepared(select(accounts.c.id).where(accounts.c.id.in_([1, 2])))

    Prepared.prepare_all(engine.dialect)  # leaves it alone

    with engine.connect() as connection, pytest.raises(StoreError):
        expanding.rows(connection)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_rows_whose_column_is_one_of_no_values_are_none(backend: str, tmp_path: Path) -> None:
    with empty_store_url(backend, tmp_path) as url:
        engine = create_engine(url)
        metadata.create_all(engine)
        statement, values = any_of(select(accounts.c.id), accounts.c.id, [])
        with engine.connect() as connection:
            assert statement.rows(connection, values) == []
        assert statement.prepared_for(engine.dialect)
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_every_statement_is_prepared_for_a_dialect_before_its_first_run(backend: str, tmp_path: Path) -> None:
    """``Prepared.prepare_all`` compiles every statement made so far, those written in each dialect's own terms
    (an INSERT with ON CONFLICT) too, so that nothing is compiled when they run."""
    upsert = with_dialect_insert(
        lambda insert: insert(settings).on_conflict_do_update(index_elements=["name"], set_={"value": "second"})
    )
    with empty_store_url(backend, tmp_path) as url:
        engine = create_engine(url)
        metadata.create_all(engine)

        assert Prepared.prepare_all(engine.dialect) >= 1
        assert Prepared.prepare_all(engine.dialect) == 0
        with engine.begin() as connection:
            upsert.run(connection, {"name": "conflict", "value": "first"})
            upsert.run(connection, {"name": "conflict", "value": "first"})
            found = connection.execute(select(settings.c.value).where(settings.c.name == "conflict")).scalar()
        engine.dispose()

    assert found == "second"
