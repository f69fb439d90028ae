"""Sequential specifications the checker linearizes against: a register and a KV map.

A :class:`Model` says how an operation moves a state: ``step(state, op)`` returns the
next state, or ``None`` when ``op`` cannot happen in ``state`` (a read that saw another
value). States must be hashable, since the search memoizes (linearized set, state)
pairs. Operations of different partitions (``partition(op)``, the key by default)
never interact, so each partition is checked on its own.

For an operation of unknown outcome (``op.ret is None``) ``step`` describes it taking
effect; the checker already covers it never taking effect.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable
from enum import Enum
from typing import Generic, TypeVar

from rabia.testing.linearizability.history import Operation

S = TypeVar("S", bound=Hashable)
Step = Callable[[S], S | None]


class Model(ABC, Generic[S]):
    """A sequential specification over hashable states ``S``."""

    name: str = "model"
    reads: frozenset[str] = frozenset()
    """Operations that never change the state: with an unknown outcome they say
    nothing, and the checker drops them."""

    @abstractmethod
    def init(self) -> S:
        """The state before any operation."""

    @abstractmethod
    def step(self, state: S, op: Operation) -> S | None:
        """The state after ``op`` in ``state``, or ``None`` if ``op`` is impossible there."""

    def stepper(self, op: Operation) -> Step[S]:
        """``step`` specialised to ``op`` (override for speed: it runs in the hot loop)."""
        return lambda state: self.step(state, op)

    def partition(self, op: Operation) -> Hashable:
        """Operations with different partitions are independent (default: the key)."""
        return op.key

    def constrains(self, op: Operation) -> bool:
        """False for operations that say nothing: reads of unknown outcome."""
        return not (op.ret is None and op.f in self.reads)

    def describe(self, op: Operation) -> str:
        """A short label for reports, e.g. ``write 3`` or ``read -> 3``."""
        text = op.f if op.input is None else f"{op.f} {_show(op.input)}"
        if op.ret is None:
            return f"{text} -> ?"
        if op.f in self.reads:
            return f"{text} -> {_show(op.output)}"
        return text


def _show(value: object) -> str:
    if value is None:
        return "nil"
    if value == "":
        return '""'
    if isinstance(value, tuple | list):
        return "[" + " ".join(_show(v) for v in value) + "]"
    return str(value)


class Absent(Enum):
    """The register state of an absent key (``None`` stands for "impossible")."""

    ABSENT = "nil"

    def __repr__(self) -> str:
        return "nil"


ABSENT = Absent.ABSENT


def _stored(value: object) -> Hashable:
    return ABSENT if value is None else value


class RegisterModel(Model[Hashable]):
    """A register per key; the key starts absent (state :data:`ABSENT`).

    * ``read`` (input ignored) returns the value, ``None`` if absent;
    * ``write v`` sets it;
    * ``cas (from, to)`` sets ``to`` if the value is ``from``. An output of ``False``
      means it reported "not swapped" (the value was not ``from``); any other output
      means it swapped. (Jepsen's ``:fail :cas`` never reaches the model: a failed
      call is dropped as not having happened.)
    """

    name = "register"
    reads = frozenset({"read"})

    def init(self) -> Hashable:
        return ABSENT

    def step(self, state: Hashable, op: Operation) -> Hashable | None:
        return self.stepper(op)(state)

    def stepper(self, op: Operation) -> Step[Hashable]:
        if op.f == "read":
            seen = _stored(op.output)
            if op.ret is None:
                return lambda s: s
            return lambda s: s if s == seen else None
        if op.f == "write":
            value = _stored(op.input)
            return lambda s: value
        if op.f == "cas":
            old, new = _pair(op)
            if op.ret is not None and op.output is False:
                return lambda s: s if s != old else None
            return lambda s: new if s == old else None
        raise ValueError(f"register: unknown operation {op.f!r}")


def _pair(op: Operation) -> tuple[Hashable, Hashable]:
    if not isinstance(op.input, tuple | list) or len(op.input) != 2:
        raise ValueError(f"cas wants a (from, to) pair, got {op.input!r}")
    return _stored(op.input[0]), _stored(op.input[1])


class KVModel(Model[str]):
    """A string per key, starting empty: ``get`` returns it ("" if never written),
    ``put v`` sets it, ``append v`` concatenates ``v`` onto it."""

    name = "kv"
    reads = frozenset({"get"})

    def init(self) -> str:
        return ""

    def step(self, state: str, op: Operation) -> str | None:
        return self.stepper(op)(state)

    def stepper(self, op: Operation) -> Step[str]:
        if op.f == "get":
            seen = "" if op.output is None else str(op.output)
            if op.ret is None:
                return lambda s: s
            return lambda s: s if s == seen else None
        if op.f == "put":
            value = str(op.input)
            return lambda s: value
        if op.f == "append":
            suffix = str(op.input)
            return lambda s: s + suffix
        raise ValueError(f"kv: unknown operation {op.f!r}")


class ListAppendModel(Model[tuple[object, ...]]):
    """A list per key, starting empty: ``append v`` adds ``v`` at the end (an integer
    output, when known, is the list's new length), ``read`` returns the whole list."""

    name = "list-append"
    reads = frozenset({"read"})

    def init(self) -> tuple[object, ...]:
        return ()

    def step(self, state: tuple[object, ...], op: Operation) -> tuple[object, ...] | None:
        return self.stepper(op)(state)

    def stepper(self, op: Operation) -> Step[tuple[object, ...]]:
        if op.f == "read":
            if op.ret is None:
                return lambda s: s
            seen = tuple(op.output) if isinstance(op.output, tuple | list) else None
            return lambda s: s if s == seen else None
        if op.f == "append":
            value = op.input
            length = op.output if op.ret is not None and isinstance(op.output, int) else None
            if length is None:
                return lambda s: (*s, value)
            return lambda s: (*s, value) if len(s) + 1 == length else None
        raise ValueError(f"list-append: unknown operation {op.f!r}")


MODELS: dict[str, Callable[[], Model[Hashable]]] = {
    "register": RegisterModel,
    "kv": KVModel,  # type: ignore[dict-item]
    "list-append": ListAppendModel,  # type: ignore[dict-item]
}
"""The built-in models by name (as ``rabia check --model`` spells them)."""
