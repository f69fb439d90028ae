"""The shared vocabulary of the redis_clients suites: the cluster's shape and limits,
expected error replies, and steps run at one node after another."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.e2e.redis_up import Conn, Err, matches

NODES = 3
MAX_KEY, MAX_VALUE, MAX_KEYS = 64, 1024, 200


def E(text: str) -> Err:
    return Err(text)


def between(lo: int, hi: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and lo <= v <= hi


def arity(name: str) -> Err:
    return E(f"ERR wrong number of arguments for '{name}' command")


NOT_INT = E("ERR value is not an integer or out of range")
SYNTAX = E("ERR syntax error")
UNKNOWN = "ERR unknown command"

Step = tuple[int, list[Any], Any]
"""(node, as an offset from the run's first node; command; expected reply)."""


def run_steps(conns: list[Conn], steps: list[Step], first: int) -> None:
    for at, args, expected in steps:
        node = (first + at) % len(conns)
        got = conns[node].call(*args)
        assert matches(expected, got), (
            f"{conns[node].kind} at node {node}: {args} -> {got!r}, expected {expected!r}"
        )


def read_everywhere(key: str, value: Any) -> list[Step]:
    """GET ``key`` at every node (reads through the log see the preceding write)."""
    return [(at, ["GET", key], value) for at in range(NODES)]
