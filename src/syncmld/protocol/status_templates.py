"""Status commands of the usual shape, written from a template that one reply makes once per shape.

A reply answers each command of a Sync with a Status of its own (one CmdRef each), and those of one message
differ in little more than their CmdID, the CmdRef and the item's ID: the MsgRef is the message's, the Cmd and
the code repeat. Such a Status is written once in full with placeholders in those places (by the encoder,
element by element); the bytes around the placeholders are the template, and each further Status of that shape
is the template filled with its own values, as the element writer would have written them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from syncmld.protocol.messages import Status
from syncmld.protocol.template_bytes import cut_around, joined_between
from syncmld.status import StatusCode

_CMD_ID = "{{syncmld-status-cmd-id}}"
_CMD_REF = "{{syncmld-status-cmd-ref}}"
_TARGET_REF = "{{syncmld-status-target-ref}}"
_SOURCE_REF = "{{syncmld-status-source-ref}}"


class StatusShape(NamedTuple):
    """What the Statuses written from one template have in common: the message and command they answer, the
    code, and how many target and source references (0 or 1) they carry."""

    msg_ref: str
    cmd: str
    code: StatusCode
    target_refs: int
    source_refs: int

    def sample(self) -> Status:
        """A Status of this shape holding each slot's placeholder."""
        return Status(
            cmd_id=_CMD_ID,
            msg_ref=self.msg_ref,
            cmd_ref=_CMD_REF,
            cmd=self.cmd,
            data=self.code,
            target_refs=(_TARGET_REF,) * self.target_refs,
            source_refs=(_SOURCE_REF,) * self.source_refs,
        )

    @property
    def placeholders(self) -> tuple[str, ...]:
        """The placeholders of the sample, in the order they are written."""
        return (_CMD_ID, _CMD_REF) + (_TARGET_REF,) * self.target_refs + (_SOURCE_REF,) * self.source_refs


def usual_status(status: Status) -> tuple[str, str, StatusCode, int, int] | None:
    """The shape of a Status a template can write (no credentials, challenge or items, at most one reference of
    each kind), as a plain tuple (equal to its ``StatusShape``, and quicker to make); None for any other."""
    if status.cred is not None or status.chal is not None or status.items:
        return None
    targets, sources = len(status.target_refs), len(status.source_refs)
    if targets > 1 or sources > 1:
        return None
    return (status.msg_ref, status.cmd, status.data, targets, sources)


TextFill = Callable[[str], bytes | None]
"""How an encoding writes a text slot's value (None when it would write an empty element instead)."""


@dataclass(frozen=True)
class StatusTemplate:
    """The bytes of a Status of one shape around its slots, and the state the writer ends in."""

    parts: tuple[bytes, ...]
    end_state: object

    @classmethod
    def cut(cls, written: bytes, shape: StatusShape, fill: TextFill, end_state: object) -> "StatusTemplate | None":
        """The template in ``written`` (the shape's sample as the encoding writes it); None when a placeholder
        is not found exactly once, in order."""
        parts = cut_around(written, map(fill, shape.placeholders))
        return None if parts is None else cls(parts, end_state)

    def filled(self, values: tuple[str, ...], fill: TextFill) -> bytes | None:
        """The Status with ``values`` in its slots, in order; None when one of them cannot go in its slot."""
        return joined_between(self.parts, map(fill, values))
