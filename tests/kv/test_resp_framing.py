"""How the Redis port splits a byte stream into requests (cases found by tests/fuzz)."""

from __future__ import annotations

import time

from rabia.kv import encode_command
from tests.fuzz.harness import MAX_COMMAND_BYTES, RespHarness, resp_request

LIMIT = 3 * MAX_COMMAND_BYTES + 64 * 1024
"""The harness node's request limit (3 x max_command_bytes + MAX_INLINE)."""


def test_a_map_where_a_bulk_string_belongs_is_a_protocol_error() -> None:
    # hiredis raised TypeError (a map with an unhashable key) out of data_received
    with RespHarness() as h:
        out = h.feed([b"*1\r\n%1\r\n*0\r\n:1\r\n", b"*1\r\n$4\r\nPING\r\n"])
        assert out == b"-ERR Protocol error: expected '$', got '%'\r\n"
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
    with RespHarness() as h:  # in one segment too, as Redis decides per request
        out = h.feed([b"*1\r\n$4\r\nPING\r\nSET a 1\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n"])
        assert out == b"+PONG\r\n+OK\r\n$1\r\n1\r\n"


def test_announcing_a_huge_array_is_refused_at_once() -> None:
    # hiredis allocated a list of the announced size: *2147483647 took 16 GiB of
    # address space and blocked the node's event loop for seconds when freed.
    started = time.monotonic()
    with RespHarness() as h:
        out = h.feed([b"*2147483647\r\n$3\r\nSET\r\n"])
        assert out == b"-ERR Protocol error: invalid multibulk length\r\n"
        assert h.transport.closed
    assert time.monotonic() - started < 1


def test_a_request_larger_than_any_command_is_refused_before_it_is_buffered() -> None:
    for header in (b"*2\r\n$3\r\nSET\r\n$2147483648\r\n", b"*2\r\n$3\r\nSET\r\n$%d\r\n" % LIMIT):
        with RespHarness() as h:
            assert h.feed([header, b"x" * 1000]) == b"-ERR Protocol error: invalid bulk length\r\n"
            assert h.transport.closed and h.connection._parser._buf == bytearray(header)
    element = b"$2\r\nxy\r\n"
    with RespHarness() as h:  # many small elements: the same budget
        out = h.feed([b"*%d\r\n" % (LIMIT // 8), element * (LIMIT // 8)])
        assert out == b"-ERR Protocol error: invalid bulk length\r\n"
    with RespHarness() as h:  # within the limit it is an ordinary (refused) command
        value = b"v" * (MAX_COMMAND_BYTES + 1)
        out = h.feed([resp_request([b"ECHO", value]), resp_request([b"SET", b"k", value])])
        assert out.startswith(b"$%d\r\nvvv" % len(value))
        assert out.endswith(b"-ERR command of 65551 bytes exceeds max_command_bytes\r\n")


def test_nothing_runs_after_quit() -> None:
    with RespHarness() as h:
        out = h.feed([b"SET a 1\r\nQUIT\r\nSET a 2\r\n", b"SET a 3\r\n"])
        assert out == b"+OK\r\n+OK\r\n" and h.transport.closed
        assert h.node.machine.apply(encode_command([b"GET", b"a"])) == b"$1\r\n1\r\n"
