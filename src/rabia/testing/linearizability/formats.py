"""History file formats: Jepsen log lines, EDN maps and our own JSON lines.

Each parser turns text into :class:`Event` s (``operations_from_events`` pairs them).
Lines carry no times in the first two formats, so events are timed by position.

* ``jepsen``: ``INFO  jepsen.util - <process> <:type> <:f> <value>`` (tabs or spaces),
  as in Jepsen's etcd logs; other lines and nemesis events are skipped.
* ``edn``: one map per line, ``{:process P, :type :invoke, :f :get, :key "K", :value V}``.
* ``jsonl``: one object per line, ``{"process": ..., "type": "invoke|ok|fail|info",
  "f": ..., "key": ..., "value": ..., "time": ...}`` with ``key``, ``value`` and
  ``time`` optional (lists become tuples).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import cast

from rabia.testing.linearizability import edn
from rabia.testing.linearizability.history import EVENT_TYPES, Event, EventType

_JEPSEN_MARK = "jepsen.util - "


class FormatError(ValueError):
    """A history line that cannot be read."""


def parse_jepsen(lines: Iterable[str]) -> list[Event]:
    """Events from Jepsen log lines (``INFO  jepsen.util - 3\\t:invoke\\t:read\\tnil``)."""
    events = []
    for number, line in enumerate(lines, 1):
        mark = line.find(_JEPSEN_MARK)
        if mark < 0:
            continue
        fields = line[mark + len(_JEPSEN_MARK) :].split(None, 3)
        if len(fields) < 3:
            raise FormatError(f"line {number}: expected process, type, f and value")
        try:
            process = edn.read(fields[0])
            type_, f = edn.read(fields[1]), edn.read(fields[2])
            value = edn.read(fields[3]) if len(fields) == 4 else None
        except edn.EDNError as exc:
            raise FormatError(f"line {number}: {exc}") from None
        if process == "nemesis":
            continue
        events.append(_event(number, process, type_, f, value, None, None))
    return events


def parse_edn(lines: Iterable[str]) -> list[Event]:
    """Events from EDN map lines (``{:process 0, :type :ok, :f :get, :key "1", ...}``)."""
    events = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = edn.read(line)
        except edn.EDNError as exc:
            raise FormatError(f"line {number}: {exc}") from None
        if not isinstance(entry, dict):
            raise FormatError(f"line {number}: expected a map")
        if entry.get("process") == "nemesis":
            continue
        events.append(_from_map(number, entry))
    return events


def parse_jsonl(lines: Iterable[str]) -> list[Event]:
    """Events from JSON lines (``{"process": 1, "type": "ok", "f": "read", "value": 3}``)."""
    events = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FormatError(f"line {number}: {exc}") from None
        if not isinstance(entry, dict):
            raise FormatError(f"line {number}: expected an object")
        events.append(_from_map(number, {k: _tuples(v) for k, v in entry.items()}))
    return events


def _tuples(value: object) -> object:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _from_map(number: int, entry: dict[object, object]) -> Event:
    for required in ("process", "type", "f"):
        if required not in entry:
            raise FormatError(f"line {number}: missing {required!r}")
    time = entry.get("time")
    if time is not None and (not isinstance(time, int | float) or isinstance(time, bool)):
        raise FormatError(f"line {number}: time must be a number")
    return _event(
        number,
        entry["process"],
        entry["type"],
        entry["f"],
        entry.get("value"),
        entry.get("key"),
        time,
    )


def _event(
    number: int,
    process: Hashable,
    type_: object,
    f: object,
    value: object,
    key: Hashable,
    time: float | None,
) -> Event:
    if type_ not in EVENT_TYPES:
        raise FormatError(f"line {number}: unknown type {type_!r}")
    if not isinstance(f, str):
        raise FormatError(f"line {number}: f must be a name, got {f!r}")
    try:
        hash(process), hash(key), hash(value)
    except TypeError:
        raise FormatError(f"line {number}: unhashable process, key or value") from None
    return Event(process, cast(EventType, str(type_)), str(f), value, key, time)


PARSERS: dict[str, Callable[[Iterable[str]], list[Event]]] = {
    "jepsen": parse_jepsen,
    "edn": parse_edn,
    "jsonl": parse_jsonl,
}
"""The parsers by format name (as ``rabia check --format`` spells them)."""


def load(path: str | Path, fmt: str) -> list[Event]:
    """The events of the history file ``path`` in format ``fmt``."""
    if fmt not in PARSERS:
        raise FormatError(f"unknown format {fmt!r}; one of {', '.join(PARSERS)}")
    with open(path, encoding="utf-8") as lines:
        return PARSERS[fmt](lines)
