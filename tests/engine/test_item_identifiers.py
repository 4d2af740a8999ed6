"""Every identifier of a Sync's item is held to its limit: what nearly every item passes is checked without
naming anything, and the one too long is named."""

import pytest

from syncmld.engine.identifiers import IdentifierLimits, item_problem
from syncmld.protocol.messages import Item, LocRef

LIMITS = IdentifierLimits(max_id_length=8, max_uri_length=16)
WITHIN = Item(
    target=LocRef(uri="u" * 16, name="n" * 8),
    source=LocRef(uri="u" * 16, name="n" * 8),
    target_parent="p" * 16,
    source_parent="p" * 16,
)


def test_an_item_with_every_identifier_at_its_limit_passes() -> None:
    assert item_problem(WITHIN, LIMITS) is None
    assert item_problem(Item(), LIMITS) is None


@pytest.mark.parametrize(
    ("item", "named"),
    [
        (Item(target=LocRef(uri="u" * 17)), "Target LocURI of 17 characters is longer than 16"),
        (Item(target=LocRef(uri="u", name="n" * 9)), "Target LocName of 9 characters is longer than 8"),
        (Item(source=LocRef(uri="u" * 17)), "Source LocURI of 17 characters is longer than 16"),
        (Item(source=LocRef(uri="u", name="n" * 9)), "Source LocName of 9 characters is longer than 8"),
        (Item(target_parent="p" * 17), "TargetParent of 17 characters is longer than 16"),
        (Item(source_parent="p" * 17), "SourceParent of 17 characters is longer than 16"),
    ],
)
def test_an_item_with_one_identifier_too_long_is_refused_naming_it(item: Item, named: str) -> None:
    assert item_problem(item, LIMITS) == named
