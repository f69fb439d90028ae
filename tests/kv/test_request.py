"""How the request parser splits a byte stream into commands (cases found by tests/fuzz,
whose hypothesis properties check it against hiredis)."""

from __future__ import annotations

import time

import pytest

from rabia.kv.request import MAX_INLINE, RequestError, RequestParser
from tests.fuzz.harness import resp_request

LIMIT = 3 * 64 * 1024 + MAX_INLINE
"""A request limit as a node with max_command_bytes = 64 KiB sets it."""


def parse(*chunks: bytes, limit: int = LIMIT) -> list[list[bytes]]:
    """The commands in ``chunks``, fed one by one; RequestError propagates."""
    parser = RequestParser(limit)
    out = []
    for chunk in chunks:
        parser.feed(chunk)
        while (args := parser.next()) is not None:
            out.append(args)
    return out


def test_a_map_where_a_bulk_string_belongs_is_an_error() -> None:
    # hiredis raised TypeError (a map with an unhashable key) out of data_received
    with pytest.raises(RequestError, match="expected '\\$', got '%'"):
        parse(b"*1\r\n%1\r\n*0\r\n:1\r\n")


def test_a_long_request_split_between_two_arguments() -> None:
    # Once hiredis had consumed 1 KiB of a request its len() was 0: a segment starting
    # with the next argument's '$' was taken for inline commands ("$10", then the value).
    request = resp_request([b"SET", b"k" * 1500, b"v" * 10]) + resp_request([b"GET", b"k" * 1500])
    cut = request.index(b"$10\r\n")
    assert parse(request[:cut], request[cut:]) == [
        [b"SET", b"k" * 1500, b"v" * 10],
        [b"GET", b"k" * 1500],
    ]


def test_inline_commands_after_a_resp_request() -> None:
    # hiredis keeps the bytes of short requests it has read (len() > 0): an inline
    # command that followed a RESP request was fed to hiredis, a protocol error.
    expected = [[b"PING"], [b"SET", b"a", b"1"], [b"GET", b"a"]]
    chunks = [b"*1\r\n$4\r\nPING\r\n", b"SET a 1\r\n", b"*2\r\n$3\r\nGET\r\n$1\r\na\r\n"]
    assert parse(*chunks) == expected
    assert parse(b"".join(chunks)) == expected  # in one segment too, decided per request


def test_empty_requests_are_skipped() -> None:
    assert parse(b"\r\n*0\r\n*-1\r\n  \n*1\r\n$4\r\nPING\r\n") == [[b"PING"]]


def test_announcing_a_huge_array_is_refused_at_once() -> None:
    # hiredis allocated a list of the announced size: *2147483647 took 16 GiB of
    # address space and blocked the node's event loop for seconds when freed.
    started = time.monotonic()
    with pytest.raises(RequestError, match="invalid multibulk length"):
        parse(b"*2147483647\r\n$3\r\nSET\r\n")
    assert time.monotonic() - started < 1


def test_a_request_larger_than_the_limit_is_refused_before_it_is_buffered() -> None:
    for header in (b"*2\r\n$3\r\nSET\r\n$2147483648\r\n", b"*2\r\n$3\r\nSET\r\n$%d\r\n" % LIMIT):
        parser = RequestParser(LIMIT)
        parser.feed(header)
        with pytest.raises(RequestError, match="invalid bulk length"):
            parser.next()
        assert parser._buf == bytearray(header)
    element = b"$2\r\nxy\r\n"  # many small elements: the same budget
    with pytest.raises(RequestError, match="invalid bulk length"):
        parse(b"*%d\r\n" % (LIMIT // 8), element * (LIMIT // 8))
    value = b"v" * (LIMIT // 2)  # within the limit: an ordinary request
    assert parse(resp_request([b"SET", b"k", value])) == [[b"SET", b"k", value]]


def test_an_inline_line_longer_than_max_inline_is_refused() -> None:
    with pytest.raises(RequestError, match="too big inline request"):
        parse(b"x" * (MAX_INLINE + 1))
    with pytest.raises(RequestError, match="too big mbulk count string"):
        parse(b"*" + b"1" * (MAX_INLINE + 1))


def test_odd_counts_take_the_general_path_whole_or_in_pieces() -> None:
    # A segment holding whole requests is split without copying; counts it does not
    # take (leading zero, sign, spaces) go to the general path, which refuses them.
    for bad in (b"*01\r\n$4\r\nPING\r\n", b"*1\r\n$+4\r\nPING\r\n", b"*1\r\n$ 4\r\nPING\r\n"):
        for chunks in ((bad,), (bad[:3], bad[3:])):
            with pytest.raises(RequestError):
                parse(*chunks)
    good = b"*2\r\n$3\r\nGET\r\n$0\r\n\r\n*1\r\n$4\r\nPING\r\n"
    expected = [[b"GET", b""], [b"PING"]]
    for cut in range(len(good) + 1):
        assert parse(good[:cut], good[cut:]) == expected
    assert parse(good + b"*2\r\n$3\r\nGET", b"\r\n$1\r\nk\r\n") == [*expected, [b"GET", b"k"]]
