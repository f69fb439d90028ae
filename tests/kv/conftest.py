from __future__ import annotations

from collections.abc import Callable

import pytest

from rabia.kv import KVMachine, encode_command

Run = Callable[..., bytes]

SEC = 1_000_000


class Driver:
    """Applies commands given as str/bytes args at an explicit log time."""

    def __init__(self, machine: KVMachine | None = None) -> None:
        self.m = machine or KVMachine()
        self.now = 1_000 * SEC

    def __call__(self, *args: str | bytes) -> bytes:
        raw = [a.encode() if isinstance(a, str) else a for a in args]
        return self.m.apply_at(encode_command(raw), self.now)


@pytest.fixture
def r() -> Driver:
    return Driver()
