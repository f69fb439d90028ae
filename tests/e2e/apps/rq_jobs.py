"""The jobs the RQ suite enqueues (imported by the worker processes)."""

from __future__ import annotations


def add(x: int, y: int) -> int:
    return x + y


def boom() -> None:
    raise ValueError("boom")
