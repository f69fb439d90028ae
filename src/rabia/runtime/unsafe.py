"""Deliberately broken builds, for proving that the nemesis suite catches real bugs.

``RABIA_UNSAFE`` (comma-separated names) is read when ``rabia node`` starts, and is
refused unless ``RABIA_ALLOW_UNSAFE=1`` is set too; a node running one says so loudly
in its log. Never set either outside a test.

- ``stale-reads``: ``GET`` is answered from the node's local state, not through the log.
- ``ack-before-decide``: writes are answered as soon as they are queued for proposal.
- ``no-dedup``: the exactly-once session table is bypassed (a retried command applies
  again).
- ``unsafe-fast-path``: the core's round-1 n-f fast path (``UnsafeSwitches``, pitfall C6).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

log = logging.getLogger("rabia.unsafe")

STALE_READS = "stale-reads"
ACK_BEFORE_DECIDE = "ack-before-decide"
NO_DEDUP = "no-dedup"
UNSAFE_FAST_PATH = "unsafe-fast-path"
NAMES = (STALE_READS, ACK_BEFORE_DECIDE, NO_DEDUP, UNSAFE_FAST_PATH)
"""Every broken build ``RABIA_UNSAFE`` may name."""

ENV = "RABIA_UNSAFE"
ALLOW_ENV = "RABIA_ALLOW_UNSAFE"


def parse(value: str) -> frozenset[str]:
    """The names in a ``RABIA_UNSAFE`` value; ``ValueError`` for an unknown one."""
    names = frozenset(part.strip() for part in value.split(",") if part.strip())
    unknown = sorted(names - set(NAMES))
    if unknown:
        raise ValueError(f"{ENV}: unknown {', '.join(unknown)} (known: {', '.join(NAMES)})")
    return names


def from_environ(environ: Mapping[str, str]) -> frozenset[str]:
    """The broken builds ``environ`` asks for; ``ValueError`` unless also allowed."""
    names = parse(environ.get(ENV, ""))
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
