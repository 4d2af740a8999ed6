"""Add and Replace commands of the usual shape, written from a template made once per shape.

A server sends a folder's changes as Adds and Replaces that differ only in their CmdID, the item's
ID, its parent's ID and its data: the command's Meta names the same type and format for all of
them. Such a command is written once in full with placeholders in those four places (by the
encoder, element by element); the bytes around the placeholders are the template, and each further
command of that shape is the template filled with its own values, as the element writer would have
written them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from syncmld.bounded import BoundedMap
from syncmld.caches import bounded_map, by_names
from syncmld.protocol.messages import Add, Command, Item, LocRef, Meta, Replace
from syncmld.protocol.template_bytes import cut_around, joined_between


class Slot(Enum):
    """A place in a template that each command fills."""

    CMD_ID = "cmd-id"
    ITEM_ID = "item-id"
    PARENT_ID = "parent-id"
    DATA = "data"


class Addressing(Enum):
    """Whether an item (or its parent) is named by the device's ID or the server's."""

    TARGET = "target"
    SOURCE = "source"


@dataclass(frozen=True)
class Shape:
    """What the commands written from one template have in common."""

    command: type[Add] | type[Replace]
    type: str
    format: str | None
    item: Addressing
    parent: Addressing | None

    @property
    def slots(self) -> tuple[Slot, ...]:
        """The template's slots, in the order they appear in the written command."""
        if self.parent is None:
            return (Slot.CMD_ID, Slot.ITEM_ID, Slot.DATA)
        return (Slot.CMD_ID, Slot.ITEM_ID, Slot.PARENT_ID, Slot.DATA)

    def sample(self) -> Add | Replace:
        """A command of this shape holding each slot's placeholder."""
        item_id = LocRef(PLACEHOLDERS[Slot.ITEM_ID])
        parent = PLACEHOLDERS[Slot.PARENT_ID] if self.parent is not None else None
        item = Item(
            target=item_id if self.item is Addressing.TARGET else None,
            source=item_id if self.item is Addressing.SOURCE else None,
            target_parent=parent if self.parent is Addressing.TARGET else None,
            source_parent=parent if self.parent is Addressing.SOURCE else None,
            data=PLACEHOLDERS[Slot.DATA].encode("ascii"),
        )
        return self.command(
            cmd_id=PLACEHOLDERS[Slot.CMD_ID], meta=Meta(type=self.type, format=self.format), items=(item,)
        )


PLACEHOLDERS: dict[Slot, str] = {slot: f"{{{{syncmld-slot-{slot.value}}}}}" for slot in Slot}
"""Text that every encoding writes as it is, and that a type or format would hardly hold (a template
is not made when one does)."""


def _type_and_format_only(meta: Meta) -> bool:
    """Whether a Meta names nothing but a type and a format."""
    return (
        meta.mark is None
        and meta.size is None
        and meta.anchor is None
        and meta.version is None
        and meta.next_nonce is None
        and meta.max_msg_size is None
        and meta.max_obj_size is None
        and not meta.emi
        and meta.mem is None
        and not meta.field_level
    )


def usual_shape(command: Command) -> tuple[Shape, tuple[str | bytes, ...]] | None:
    """The shape of an Add or Replace that a template can write, with the values of its slots after
    the CmdID (which the encoder gives); None for any other command."""
    if type(command) is not Add and type(command) is not Replace:
        return None
    meta = command.meta
    if command.cmd_id is not None or command.no_resp or command.cred is not None or meta is None or not meta.type:
        return None
    if len(command.items) != 1 or not _type_and_format_only(meta):
        return None
    item = command.items[0]
    data = item.data
    if not isinstance(data, bytes) or not data or item.meta is not None or item.more_data:
        return None
    if (item.target is None) == (item.source is None) or None not in (item.target_parent, item.source_parent):
        return None
    addressed = item.target or item.source
    if addressed is None or addressed.name is not None or addressed.filter is not None:
        return None
    parent_id = item.target_parent if item.target_parent is not None else item.source_parent
    parent = None if parent_id is None else item.target_parent is not None
    shape = item_shape(type(command), meta.type, meta.format, item.target is not None, parent)
    return shape, (addressed.uri, data) if parent_id is None else (addressed.uri, parent_id, data)


def item_shape(
    command: type[Add] | type[Replace], content_type: str, item_format: str | None, target: bool, parent: bool | None
) -> Shape:
    """The shape of a command of ``command``'s class whose Meta names ``content_type`` and ``item_format`` only,
    addressing its item by target (else source) and its parent by target (True), source (False) or not at all
    (None); one object per shape."""
    key = (command, content_type, item_format, target, parent)
    return _FIND_SHAPE(key) or _SHAPES.put(key, _shape(*key), len(content_type) + len(item_format or ""))


def _shape(
    command: type[Add] | type[Replace], content_type: str, item_format: str | None, target: bool, parent: bool | None
) -> Shape:
    """The shape of a command of ``command``'s class, addressing its item by target (else source) and its parent
    by target (True), source (False) or not at all (None)."""
    parent_addressing = None if parent is None else Addressing.TARGET if parent else Addressing.SOURCE
    return Shape(
        command, content_type, item_format, Addressing.TARGET if target else Addressing.SOURCE, parent_addressing
    )


_SHAPES: BoundedMap[tuple[type[Add] | type[Replace], str, str | None, bool, bool | None], Shape] = bounded_map(
    "item_shapes", by_names(lambda limits: limits.item_shapes)
)
"""One object per shape, made once (the types and formats a server sends in, when not too long)."""
_FIND_SHAPE = _SHAPES.peek


Fill = Callable[[Slot, str | bytes], bytes | None]
"""How an encoding writes a slot's value (None when it would write it in another shape: an empty value)."""


@dataclass(frozen=True)
class Template:
    """The bytes of a command of one shape around its slots, and the state the writer ends in."""

    parts: tuple[bytes, ...]
    slots: tuple[Slot, ...]
    end_state: object

    @classmethod
    def cut(cls, written: bytes, shape: Shape, fill: Fill, end_state: object) -> "Template | None":
        """The template in ``written`` (the shape's sample as the encoding writes it); None when a
        placeholder is not found exactly once, in order."""
        markers = (
            fill(slot, PLACEHOLDERS[slot].encode("ascii") if slot is Slot.DATA else PLACEHOLDERS[slot])
            for slot in shape.slots
        )
        parts = cut_around(written, markers)
        return None if parts is None else cls(parts, shape.slots, end_state)

    def filled(self, values: tuple[str | bytes, ...], fill: Fill) -> bytes | None:
        """The command with ``values`` in its slots, in order; None when one of them cannot go in its slot."""
        return joined_between(self.parts, map(fill, self.slots, values))
