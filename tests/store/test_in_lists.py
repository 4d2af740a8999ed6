"""IN lists padded to a few lengths (``store/sql/in_lists.py``): every count finds exactly the rows it names."""

import pytest

from syncmld.store.base import NewItem, Store
from syncmld.store.sql.common import CHUNK_SIZE
from syncmld.store.sql.in_lists import list_length


def test_every_count_has_a_list_that_holds_it_and_there_are_few_lengths() -> None:
    lengths = {count: list_length(count) for count in range(1, CHUNK_SIZE + 1)}

    assert all(count <= length <= CHUNK_SIZE for count, length in lengths.items())
    assert len(set(lengths.values())) <= 10


@pytest.mark.parametrize("count", [1, 2, 3, 5, 17, 257, CHUNK_SIZE, CHUNK_SIZE + 3])
def test_items_read_by_a_padded_list_are_those_named(sql_store: Store, count: int) -> None:
    with sql_store.transaction() as tx:
        account = tx.add_account("anna@example.org", "", "")
        folder = tx.ensure_folder(account.id, "contacts")
        written = tx.put_items(
            folder.id, [NewItem(None, "text/plain", f"note {number}".encode()) for number in range(count + 4)], None
        )
    wanted = [item.guid for item in written[:count]]

    with sql_store.transaction() as tx:
        found = tx.get_items(folder.id, [*wanted, "no such item"])

    assert sorted(found) == sorted(wanted)
    assert [found[guid].data for guid in wanted] == [f"note {number}".encode() for number in range(count)]
