"""The value types a key can hold besides strings (ADR 0012, ADR 0014).

Each type is a ``TypedValue`` subclass in its own module, registered in ``VALUE_TYPES``
by its Redis type name so that snapshots can restore it.
"""

from __future__ import annotations

from rabia.kv.values.base import TypedValue, WrongType

VALUE_TYPES: dict[bytes, type[TypedValue]] = {}
"""Redis type name (``TYPE`` reply) -> value class, for restoring snapshots."""


def register(cls: type[TypedValue]) -> type[TypedValue]:
    """Add a value class to ``VALUE_TYPES`` (by its ``TYPE`` name)."""
    VALUE_TYPES[cls.TYPE] = cls
    return cls


__all__ = ["VALUE_TYPES", "TypedValue", "WrongType", "register"]
