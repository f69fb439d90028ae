"""The core's part of a snapshot: the slot it was taken at and the decided batch ids.

A snapshot taken at ``slot`` describes the state after applying every slot below it.
The core keeps only what a replica needs to stay correct without the compacted log:
the ``DecidedIds`` (so a stale REQ of a decided batch is still dropped and no batch is
decided twice). Everything else (applier, state machine) is the driver's ``app_state``.
"""

from __future__ import annotations

import msgspec

from rabia.core.membership import Configuration, decode_configs, encode_configs
from rabia.core.queue import DecidedIds


class CoreState(msgspec.Struct, frozen=True, array_like=True):
    """Wire form of ``Replica.core_snapshot()``."""

    slot: int
    decided: bytes
    """``DecidedIds.encode()`` of the decided prefix below ``slot``."""
    configs: bytes = b""
    """``encode_configs`` of the configurations covering ``slot`` and later (ADR 0006)."""


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(CoreState).decode


class SlotCompacted(LookupError):
    """The slot lies below the replica's ``log_start``: only a snapshot describes it."""


def encode_core_state(
    slot: int, decided: DecidedIds, configs: tuple[Configuration, ...] = ()
) -> bytes:
    """Deterministic bytes of the core state at ``slot``."""
    return _encode(CoreState(slot, decided.encode(), encode_configs(configs) if configs else b""))


def decode_core_state(data: bytes) -> tuple[int, DecidedIds, tuple[Configuration, ...]]:
    """(slot, decided ids, configurations); raises ``ValueError`` on malformed bytes.

    The configurations are empty in a snapshot taken before ADR 0006 (static membership).
    """
    try:
        state = _decode(data)
        decided = DecidedIds.decode(state.decided)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ValueError(f"malformed core snapshot: {exc}") from None
    if state.slot < 0:
        raise ValueError("malformed core snapshot: negative slot")
    configs = decode_configs(state.configs) if state.configs else ()
    if configs and configs[0].start > state.slot:
        raise ValueError("malformed core snapshot: no configuration covers its slot")
    return state.slot, decided, configs
