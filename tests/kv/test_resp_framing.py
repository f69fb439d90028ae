"""How the Redis port splits a byte stream into requests (found by tests/fuzz)."""

from __future__ import annotations

from tests.fuzz.harness import RespHarness


def test_a_map_with_an_aggregate_key_is_a_protocol_error() -> None:
    # hiredis raised TypeError (unhashable key) out of data_received
    with RespHarness() as h:
        out = h.feed([b"*1\r\n%1\r\n*0\r\n:1\r\n", b"*1\r\n$4\r\nPING\r\n"])
        assert out == b"-ERR Protocol error: unhashable type: 'list'\r\n"
        assert h.transport.closed
