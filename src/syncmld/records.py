"""How the message, DevInf and stored-item models are declared: read-only records that compare and hash by value.

They are dataclasses with slots and a plain ``__init__``, frozen to the type checker (a field is never
assigned) but not at run time: a frozen dataclass sets each field through ``object.__setattr__``,
which made building the model a large part of decoding a message (a ``Meta`` of 12 fields cost
several times what it costs now).
"""

from dataclasses import dataclass, field
from typing import TypeVar, dataclass_transform

_Record = TypeVar("_Record")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[_Record]) -> type[_Record]:
    """A model class: a dataclass with slots, compared and hashed by its fields, read-only."""
    return dataclass(slots=True, unsafe_hash=True)(cls)
