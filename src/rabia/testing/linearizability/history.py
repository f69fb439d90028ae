"""Histories: the events a client saw, and the operations they pair up into.

A history is recorded as :class:`Event` s, Jepsen style: a process *invokes* an
operation and later sees it complete as ``ok`` (it happened, with this output),
``fail`` (it definitely did not happen) or ``info`` (nobody knows). A process has at
most one call in flight. :func:`operations_from_events` pairs each invocation with its
completion into an :class:`Operation`, which is what the checker works on.
"""

from __future__ import annotations

import json
import time as _time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Literal

EventType = Literal["invoke", "ok", "fail", "info"]
EVENT_TYPES: tuple[EventType, ...] = ("invoke", "ok", "fail", "info")


@dataclass(frozen=True, slots=True)
class Operation:
    """One call: who made it, what it asked, what it got, and when.

    ``ret is None`` means the outcome is unknown (an ``info`` completion or none at
    all): the operation may have taken effect at any time after ``call``, or never,
    and ``output`` means nothing. Times are any comparable numbers; a call is
    concurrent with every operation whose interval overlaps its own, and intervals
    that merely touch (one's ``ret`` equals another's ``call``) count as overlapping.
    """

    process: Hashable
    f: str
    input: object
    output: object
    call: float
    ret: float | None
    key: Hashable = None

    @property
    def unknown(self) -> bool:
        """True when the outcome is unknown (the call may or may not have happened)."""
        return self.ret is None


@dataclass(frozen=True, slots=True)
class Event:
    """One line of a history: an invocation or a completion seen by ``process``."""

    process: Hashable
    type: EventType
    f: str
    value: object = None
    key: Hashable = None
    time: float | None = None


def operations_from_events(events: Iterable[Event]) -> list[Operation]:
    """Pair invocations with completions, in invocation order.

    ``ok`` gives an operation with the completion's value as output; ``fail`` drops
    the call (it did not happen); ``info`` and a missing completion give an operation
    of unknown outcome. Events without times are timed by their position, so either
    every event has a time or none has. Raises :class:`ValueError` on a malformed
    history (a completion without an invocation, a second invocation in flight, a
    completion whose ``f`` differs from its invocation's).
    """
    events = list(events)
    timed = [e.time is not None for e in events]
    if any(timed) and not all(timed):
        raise ValueError("either every event has a time or none has")
    open_calls: dict[Hashable, tuple[int, Event, float]] = {}
    slots: list[Operation | None] = []
    for position, event in enumerate(events):
        at = float(position) if event.time is None else event.time
        if event.type == "invoke":
            if event.process in open_calls:
                raise ValueError(f"event {position}: process {event.process!r} invokes twice")
            open_calls[event.process] = (len(slots), event, at)
            slots.append(None)
            continue
        if event.type not in EVENT_TYPES:
            raise ValueError(f"event {position}: unknown type {event.type!r}")
        if event.process not in open_calls:
            raise ValueError(
                f"event {position}: {event.type} by process {event.process!r} with no call"
            )
        slot, invoke, call = open_calls.pop(event.process)
        if event.f != invoke.f:
            raise ValueError(f"event {position}: completes {event.f!r} but {invoke.f!r} was called")
        if event.type == "ok":
            slots[slot] = Operation(
                invoke.process, invoke.f, invoke.value, event.value, call, at, invoke.key
            )
        elif event.type == "info":
            slots[slot] = _unknown(invoke, call)
    for slot, invoke, call in open_calls.values():
        slots[slot] = _unknown(invoke, call)
    return [op for op in slots if op is not None]


def _unknown(invoke: Event, call: float) -> Operation:
    return Operation(invoke.process, invoke.f, invoke.value, None, call, None, invoke.key)


@dataclass
class History:
    """A recorder for test harnesses: call :meth:`invoke`, then one completion.

    Times come from ``clock`` (``time.monotonic`` by default) unless given::

        h = History()
        h.invoke(1, "write", 3, key="x")
        h.ok(1)
        h.invoke(2, "read", key="x")
        h.info(2)
        result = check(h.operations(), RegisterModel())
    """

    clock: Callable[[], float] = _time.monotonic
    events: list[Event] = field(default_factory=list)
    _calls: dict[Hashable, Event] = field(default_factory=dict, repr=False)

    def invoke(
        self, process: Hashable, f: str, value: object = None, *, key: Hashable = None
    ) -> None:
        """Record that ``process`` called ``f(value)`` on ``key``."""
        event = Event(process, "invoke", f, value, key, self.clock())
        self._calls[process] = event
        self.events.append(event)

    def ok(self, process: Hashable, value: object = None) -> None:
        """Record that ``process``'s call happened and returned ``value``."""
        self._complete(process, "ok", value)

    def fail(self, process: Hashable) -> None:
        """Record that ``process``'s call definitely did not happen."""
        self._complete(process, "fail", None)

    def info(self, process: Hashable) -> None:
        """Record that the outcome of ``process``'s call is unknown (e.g. a timeout)."""
        self._complete(process, "info", None)

    def _complete(self, process: Hashable, type_: EventType, value: object) -> None:
        call = self._calls.pop(process, None)
        if call is None:
            raise ValueError(f"process {process!r} has no call in flight")
        self.events.append(Event(process, type_, call.f, value, call.key, self.clock()))

    def operations(self) -> list[Operation]:
        """The recorded calls as operations (calls still in flight have unknown outcome)."""
        return operations_from_events(self.events)

    def to_jsonl(self) -> str:
        """The events in the ``jsonl`` format that ``rabia check --format jsonl`` reads."""
        return "".join(json.dumps(event_to_json(e)) + "\n" for e in self.events)


def event_to_json(event: Event) -> dict[str, object]:
    """One event as a ``jsonl`` object (tuples become lists)."""
    line: dict[str, object] = {"process": event.process, "type": event.type, "f": event.f}
    if event.key is not None:
        line["key"] = event.key
    if event.value is not None:
        line["value"] = _to_json_value(event.value)
    if event.time is not None:
        line["time"] = event.time
    return line


def _to_json_value(value: object) -> object:
    if isinstance(value, tuple | list):
        return [_to_json_value(v) for v in value]
    return value
