"""How the Redis port splits a byte stream into requests (found by tests/fuzz)."""

from __future__ import annotations

from tests.fuzz.harness import RespHarness, resp_request


def test_a_map_with_an_aggregate_key_is_a_protocol_error() -> None:
    # hiredis raised TypeError (unhashable key) out of data_received
    with RespHarness() as h:
        out = h.feed([b"*1\r\n%1\r\n*0\r\n:1\r\n", b"*1\r\n$4\r\nPING\r\n"])
        assert out == b"-ERR Protocol error: unhashable type: 'list'\r\n"
        assert h.transport.closed


def test_a_long_request_split_between_two_arguments() -> None:
    # Once hiredis had consumed 1 KiB of a request its len() was 0: a segment starting
    # with the next argument's '$' was taken for inline commands ("$10", then the value).
    request = resp_request([b"SET", b"k" * 1500, b"v" * 10]) + resp_request([b"GET", b"k" * 1500])
    cut = request.index(b"$10\r\n")
    with RespHarness() as h:
        assert h.feed([request[:cut], request[cut:]]) == b"+OK\r\n$10\r\nvvvvvvvvvv\r\n"


def test_inline_commands_after_a_resp_request() -> None:
    # hiredis keeps the bytes of short requests it has read (len() > 0): an inline
    # command that followed a RESP request was fed to hiredis, a protocol error.
    with RespHarness() as h:
        out = h.feed([b"*1\r\n$4\r\nPING\r\n", b"SET a 1\r\n", b"*2\r\n$3\r\nGET\r\n$1\r\na\r\n"])
        assert out == b"+PONG\r\n+OK\r\n$1\r\n1\r\n"
