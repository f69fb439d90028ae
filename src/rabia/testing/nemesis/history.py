"""Operation histories: invocations and completions with monotonic times, as JSONL.

One object per line: ``{"process": int, "type": "invoke"|"ok"|"fail"|"info", "f": str,
"key": str, "value": ..., "time": float}``. ``ok``: the operation took effect (with the
value it read); ``fail``: it certainly did not; ``info``: unknown (a timeout or a broken
connection after the request was sent), and its process never issues another operation.
A ``cas`` carries ``[from, to]``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

OpType = Literal["invoke", "ok", "fail", "info"]


@dataclass(frozen=True, slots=True)
class Op:
    """One line of a history."""

    process: int
    type: OpType
    f: str
    key: str
    value: Any
    time: float
    """Seconds since the history started (monotonic clock)."""


@dataclass(frozen=True, slots=True)
class Pair:
    """An invocation and its completion (None: never completed, same as ``info``)."""

    invoke: Op
    complete: Op | None

    @property
    def type(self) -> OpType:
        """``ok``, ``fail`` or ``info``."""
        return "info" if self.complete is None else self.complete.type

    @property
    def end(self) -> float:
        """When it completed; infinity when its outcome is unknown."""
        if self.complete is None or self.complete.type == "info":
            return float("inf")
        return self.complete.time


class History:
    """Records operations of many processes (one asyncio loop; not thread-safe)."""

    def __init__(self) -> None:
        self.ops: list[Op] = []
        self._start = time.monotonic()
        self._processes = 0

    def now(self) -> float:
        """Seconds since the history started."""
        return time.monotonic() - self._start

    def new_process(self) -> int:
        """A process id never used before."""
        self._processes += 1
        return self._processes - 1

    def invoke(self, process: int, f: str, key: str, value: Any = None) -> Op:
        """Record the start of an operation."""
        op = Op(process, "invoke", f, key, value, self.now())
        self.ops.append(op)
        return op

    def complete(self, invocation: Op, type: OpType, value: Any = None) -> Op:
        """Record how ``invocation`` ended (``value`` None: the invocation's value)."""
        op = replace(
            invocation,
            type=type,
            value=invocation.value if value is None else value,
            time=self.now(),
        )
        self.ops.append(op)
        return op

    def counts(self) -> dict[str, int]:
        """Completions by type: ``ok``, ``fail``, ``info``."""
        out = {"ok": 0, "fail": 0, "info": 0}
        for op in self.ops:
            if op.type != "invoke":
                out[op.type] += 1
        return out

    def write(self, path: Path) -> None:
        """Write the history as JSONL."""
        write_jsonl(path, self.ops)


def write_jsonl(path: Path, ops: Iterable[Op]) -> None:
    """One JSON object per operation line."""
    with path.open("w") as out:
        for op in ops:
            out.write(json.dumps(asdict(op), separators=(",", ":")) + "\n")


def read_jsonl(path: Path) -> list[Op]:
    """The operations of a JSONL history."""
    ops = []
    with path.open() as lines:
        for line in lines:
            if line.strip():
                ops.append(Op(**json.loads(line)))
    return ops


def pairs(ops: Iterable[Op]) -> Iterator[Pair]:
    """Each invocation with its completion, in invocation order."""
    open_: dict[int, int] = {}
    out: list[tuple[Op, Op | None]] = []
    for op in ops:
        if op.type == "invoke":
            open_[op.process] = len(out)
            out.append((op, None))
        else:
            index = open_.pop(op.process, None)
            if index is None:
                raise ValueError(f"completion without an invocation: {op}")
            out[index] = (out[index][0], op)
    for invoke, complete in out:
        yield Pair(invoke, complete)
