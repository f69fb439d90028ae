"""Deliberately broken builds, for proving that the nemesis suite catches real bugs.

``RABIA_UNSAFE`` (comma-separated names) is read when ``rabia node`` starts, and is
refused unless ``RABIA_ALLOW_UNSAFE=1`` is set too; a node running one says so loudly
in its log. Never set either outside a test.

The runtime's switches are below; front ends add their own (the KV server's
``stale-reads`` and ``ack-before-decide`` live in ``rabia.kv.unsafe``), and whoever
wires a process (``rabia node``) parses the environment against all of them.

- ``no-dedup``: the exactly-once session table is bypassed (a retried command applies
  again).
- ``unsafe-fast-path``: the core's round-1 n-f fast path (``UnsafeSwitches``, pitfall C6).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

log = logging.getLogger("rabia.unsafe")

NO_DEDUP = "no-dedup"
UNSAFE_FAST_PATH = "unsafe-fast-path"
NAMES = (NO_DEDUP, UNSAFE_FAST_PATH)
"""The runtime's broken builds (``NodeConfig.unsafe`` may hold these only)."""

ENV = "RABIA_UNSAFE"
ALLOW_ENV = "RABIA_ALLOW_UNSAFE"


def parse(value: str, known: Sequence[str] = NAMES) -> frozenset[str]:
    """The names in a ``RABIA_UNSAFE`` value; ``ValueError`` for one not in ``known``."""
    names = frozenset(part.strip() for part in value.split(",") if part.strip())
    unknown = sorted(names - set(known))
    if unknown:
        raise ValueError(f"{ENV}: unknown {', '.join(unknown)} (known: {', '.join(known)})")
    return names


def from_environ(environ: Mapping[str, str], known: Sequence[str] = NAMES) -> frozenset[str]:
    """The broken builds ``environ`` asks for (among ``known``); ``ValueError`` unless
    also allowed."""
    names = parse(environ.get(ENV, ""), known)
    if names and environ.get(ALLOW_ENV) != "1":
        raise ValueError(
            f"{ENV}={','.join(sorted(names))} refused: these break safety on purpose and "
            f"exist for tests only; set {ALLOW_ENV}=1 as well to run them"
        )
    return names


def announce(node_id: int, names: frozenset[str]) -> None:
    """Log, loudly, that this node runs a broken build."""
    if names:
        log.critical(
            "node %d runs a DELIBERATELY BROKEN build (%s=%s): it does not keep rabia's "
            "guarantees; for tests only",
            node_id,
            ENV,
            ",".join(sorted(names)),
        )
