"""The common coin: one bit per (seed, epoch, slot, phase), identical on every replica."""

from __future__ import annotations

import hashlib
import struct

_PACK = struct.Struct(">QQQI")


def common_coin(seed: int, epoch: int, slot: int, phase: int) -> int:
    """Return sha256(seed || epoch || slot || phase)[0] & 1.

    Never Python's ``hash()`` (randomized per process) nor a per-process PRNG.
    """
    digest = hashlib.sha256(
        _PACK.pack(seed & 0xFFFFFFFFFFFFFFFF, epoch & 0xFFFFFFFFFFFFFFFF, slot, phase & 0xFFFFFFFF)
    ).digest()
    return digest[0] & 1
