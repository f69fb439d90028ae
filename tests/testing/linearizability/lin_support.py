"""Helpers for the linearizability tests: tiny histories and the reference data."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

from rabia.testing.linearizability import History, Operation


def op(
    process: Hashable,
    f: str,
    input: object = None,
    output: object = None,
    call: float = 0,
    ret: float | None = None,
    key: Hashable = None,
) -> Operation:
    """An operation; ``ret=None`` for an unknown outcome."""
    return Operation(process, f, input, output, call, ret, key)


def hard_history(appends: int = 14) -> list[Operation]:
    """Many overlapping appends, then a get no order can explain: exponential to refute."""
    ops = [op(p, "append", f"<{p}>", None, p, 100 + p, key="k") for p in range(appends)]
    ops.append(op("reader", "get", None, "impossible", 200, 201, key="k"))
    return ops


def register_history(read: int) -> History:
    """A register history on key ``x``, recorded at ticks 0, 1, ...: a write of 1, a write
    of 2 of unknown outcome, a read that saw ``read``, and a cas that never returns."""
    ticks = iter(range(100))
    history = History(clock=lambda: float(next(ticks)))
    history.invoke("a", "write", 1, key="x")
    history.ok("a")
    history.invoke("b", "write", 2, key="x")
    history.info("b")
    history.invoke("a", "read", key="x")
    history.ok("a", read)
    history.invoke("c", "cas", (7, 8), key="x")  # never returns
    return history


def reference_dir() -> Path | None:
    """``shared/linearizability`` beside the repository, or at /work/shared."""
    for base in (Path(__file__).resolve().parents[3] / ".." / "shared", Path("/work/shared")):
        found = base / "linearizability"
        if found.is_dir():
            return found.resolve()
    return None
