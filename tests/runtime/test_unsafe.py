"""Broken builds named in the environment: refused unless explicitly allowed."""

from __future__ import annotations

import pytest

from rabia.runtime import unsafe
from rabia.runtime.config import NodeConfig


def test_broken_builds_are_refused_unless_allowed() -> None:
    assert unsafe.from_environ({}) == frozenset()
    with pytest.raises(ValueError, match="RABIA_ALLOW_UNSAFE=1"):
        unsafe.from_environ({"RABIA_UNSAFE": "no-dedup"})
    allowed = {"RABIA_UNSAFE": "no-dedup, unsafe-fast-path", "RABIA_ALLOW_UNSAFE": "1"}
    assert unsafe.from_environ(allowed) == {"no-dedup", "unsafe-fast-path"}
    with pytest.raises(ValueError, match="unknown fast"):
        unsafe.from_environ({"RABIA_UNSAFE": "fast", "RABIA_ALLOW_UNSAFE": "1"})
    with pytest.raises(ValueError, match="unknown unsafe"):
        NodeConfig(0, {0: "127.0.0.1:1"}, unsafe=frozenset({"nope"}))


def test_front_ends_add_their_own_names() -> None:
    front_end = ("stale-reads",)
    env = {"RABIA_UNSAFE": "stale-reads,no-dedup", "RABIA_ALLOW_UNSAFE": "1"}
    with pytest.raises(ValueError, match="unknown stale-reads"):
        unsafe.from_environ(env)
    assert unsafe.from_environ(env, (*unsafe.NAMES, *front_end)) == {"stale-reads", "no-dedup"}
