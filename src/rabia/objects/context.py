"""The log's context of a command, and the refusal of a method that suspends."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Coroutine
from typing import Any

from rabia.objects.errors import NotDeterministic


def suspended(coro: Coroutine[Any, Any, Any], name: str) -> NotDeterministic:
    """Close ``coro``, which suspended; the error that says why that is refused."""
    coro.close()
    return NotDeterministic(
        f"{name} suspended: a replicated async def must never await anything that "
        "waits (I/O, sleep, locks)"
    )


class LogContext:
    """What the log says about the command being applied, the same on every replica."""

    __slots__ = ("_call", "_random", "time")

    def __init__(self, time: int, call: bytes) -> None:
        self.time = time
        self._call = call
        self._random: random.Random | None = None

    @property
    def random(self) -> random.Random:
        """A generator seeded with SHA-256(log time as 8 bytes big-endian + the encoded
        call): identical on every replica; two identical calls stamped with the same
        log time draw the same numbers (pass a nonce argument to tell them apart)."""
        if self._random is None:
            digest = hashlib.sha256(self.time.to_bytes(8, "big", signed=True) + self._call)
            self._random = random.Random(int.from_bytes(digest.digest(), "big"))
        return self._random
