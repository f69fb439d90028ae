"""Hypothesis strategies derived from the msgspec Struct types, plus the fuzz settings.

``struct_strategy(T)`` walks ``T``'s field annotations, so a new field or a new message
type is covered without touching the tests. Integers span the whole range MessagePack
carries (int64 and uint64).

``FUZZ`` is the settings of every property here: a modest number of examples in the
default run, many more with ``HYPOTHESIS_PROFILE=long``.
"""

from __future__ import annotations

import os
import types
import typing
from typing import Any, Union

import msgspec
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile(
    "fuzz-default",
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    deadline=None,
    max_examples=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = "long" if os.environ.get("HYPOTHESIS_PROFILE") == "long" else "fuzz-default"
FUZZ = settings(settings.get_profile(PROFILE))

INT_MIN = -(1 << 63)
UINT_MAX = (1 << 64) - 1

wire_ints = st.one_of(
    st.integers(min_value=-3, max_value=300),
    st.integers(min_value=INT_MIN, max_value=UINT_MAX),
    st.sampled_from([INT_MIN, -1, 0, 1, (1 << 31) - 1, 1 << 32, (1 << 63) - 1, UINT_MAX]),
)


def type_strategy(tp: Any) -> st.SearchStrategy[Any]:
    """Values of the annotation ``tp`` as the wire codec can carry them."""
    origin = typing.get_origin(tp)
    if tp is int:
        return wire_ints
    if tp is bool:
        return st.booleans()
    if tp is bytes:
        return st.binary(max_size=64)
    if tp is str:
        return st.text(max_size=24)
    if tp is float:
        return st.floats(allow_nan=False)
    if tp is type(None):
        return st.none()
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return struct_strategy(tp)
    if origin in (Union, types.UnionType):
        return st.one_of(*(type_strategy(arg) for arg in typing.get_args(tp)))
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(type_strategy(args[0]), max_size=4).map(tuple)
        return st.tuples(*(type_strategy(arg) for arg in args))
    if origin is list:
        (item,) = typing.get_args(tp)
        return st.lists(type_strategy(item), max_size=4)
    if origin is dict:
        key, value = typing.get_args(tp)
        return st.dictionaries(type_strategy(key), type_strategy(value), max_size=4)
    raise TypeError(f"no strategy for {tp!r}")


def struct_strategy(cls: type[msgspec.Struct]) -> st.SearchStrategy[Any]:
    """Instances of ``cls`` with every field drawn from its annotation."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: type_strategy(hints[f.name]) for f in msgspec.structs.fields(cls)}
    return st.builds(cls, **fields)


def union_members(union: Any) -> list[type[msgspec.Struct]]:
    """The Struct types of a union alias such as ``Message``."""
    return list(typing.get_args(union))
