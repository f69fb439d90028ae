"""The core's part of a snapshot (``rabia.core.snapshot``)."""

from __future__ import annotations

import msgspec
import pytest

from rabia.core.membership import Configuration, encode_configs
from rabia.core.queue import DecidedIds
from rabia.core.snapshot import CoreState, decode_core_state, encode_core_state


def test_core_state_round_trips_with_and_without_configurations() -> None:
    ids = DecidedIds()
    ids.add((0, 0, 0))
    ids.add((1, 2, 7))
    configs = (Configuration(3, 1, (0, 1, 2, 3)), Configuration(9, 2, (0, 1, 3)))
    slot, back, back_configs = decode_core_state(encode_core_state(12, ids, configs))
    assert (slot, back, back_configs) == (12, ids, configs)
    assert decode_core_state(encode_core_state(4, ids)) == (4, ids, ())
    assert encode_core_state(4, ids) == encode_core_state(4, DecidedIds.decode(ids.encode()))


@pytest.mark.parametrize(
    "data",
    [
        b"\xc1",
        msgspec.msgpack.encode(CoreState(-1, DecidedIds().encode())),
        msgspec.msgpack.encode(CoreState(2, b"\xc1")),
        msgspec.msgpack.encode(
            CoreState(2, DecidedIds().encode(), encode_configs([Configuration(3, 1, (0, 1))]))
        ),
    ],
    ids=["garbage", "negative slot", "bad ids", "no configuration covers the slot"],
)
def test_malformed_core_state_raises_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        decode_core_state(data)
