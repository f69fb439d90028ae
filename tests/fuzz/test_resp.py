"""Properties of the Redis port's connection (``Connection``, under its ``RespProtocol``),
fed bytes directly."""

from __future__ import annotations

import hiredis
from hypothesis import event, given
from hypothesis import strategies as st

from rabia.kv.request import MAX_INLINE, RequestError, RequestParser
from tests.fuzz.commands import one_reply_commands
from tests.fuzz.harness import RespHarness, parse_replies, resp_request, split
from tests.fuzz.strategies import FUZZ

cuts = st.lists(st.integers(0, 1 << 20), max_size=16)

TOKENS = [
    *(b"*", b"$", b"%", b"~", b">", b"|", b",", b"(", b"#", b"_", b"=", b"!", b"+", b"-", b":"),
    *(
        b"*0",
        b"*1",
        b"*2",
        b"*-1",
        b"$-1",
        b"$0",
        b"$3",
        b"%1",
        b"~1",
        b"*99999999999",
        b"$4294967296",
    ),
    *(b"\r\n", b"\n", b"\r", b" ", b"PING", b"SET", b"GET", b"k", b"1", b"MULTI", b"EXEC"),
    *(b"HELLO", b"3", b"SUBSCRIBE", b"QUIT", b"AUTH", b"WATCH", b"ECHO", b"\x00", b"\xff"),
]
resp_ish = st.lists(st.one_of(st.sampled_from(TOKENS), st.binary(max_size=8)), max_size=40).map(
    b"".join
)
garbage = st.one_of(
    st.binary(max_size=512),
    resp_ish,
    st.lists(st.one_of(resp_ish, one_reply_commands.map(resp_request)), max_size=6).map(b"".join),
)


@FUZZ
@given(data=garbage, chunking=cuts, password=st.sampled_from([None, b"pw"]))
def test_any_bytes_get_well_formed_replies_or_a_close(
    data: bytes, chunking: list[int], password: bytes | None
) -> None:
    with RespHarness(password) as h:
        out = h.feed(split(data, chunking))  # data_received never raises
        parse_replies(out)
        event(f"closed: {h.transport.closed}")


def _inline_safe(args: list[bytes]) -> bool:
    line = b" ".join(args)
    return (
        all(a and a.split() == [a] for a in args)
        and not line.startswith(b"*")
        and len(line) < MAX_INLINE
    )


arg = st.one_of(st.binary(max_size=12), st.binary(min_size=300, max_size=1500))
commands = st.lists(st.lists(arg, min_size=1, max_size=4), min_size=1, max_size=8)


@FUZZ
@given(commands=commands, inline=st.lists(st.booleans()), chunking=cuts)
def test_requests_round_trip_through_the_parser_and_the_inline_path(
    commands: list[list[bytes]], inline: list[bool], chunking: list[int]
) -> None:
    """Whatever the chunking, each command reaches the dispatcher as sent, in order,
    whether it is encoded as RESP or as an inline command (when it can be)."""
    stream = b"".join(
        b" ".join(args) + b"\r\n"
        if i < len(inline) and inline[i] and _inline_safe(args)
        else resp_request(args)
        for i, args in enumerate(commands)
    )
    parser = RequestParser(1 << 20)  # what Connection.receive runs, then dispatches
    seen: list[list[bytes]] = []
    for chunk in split(stream, chunking):
        parser.feed(chunk)
        while (args := parser.next()) is not None:
            if args:
                seen.append(args)
    assert seen == commands


@FUZZ
@given(commands=commands, chunking=cuts)
def test_the_parser_agrees_with_hiredis(commands: list[list[bytes]], chunking: list[int]) -> None:
    stream = b"".join(resp_request(args) for args in commands)
    reader = hiredis.Reader()
    reader.feed(stream)
    expected = []
    while (request := reader.gets()) is not False:
        expected.append(request)
    parser = RequestParser(1 << 20)
    got = []
    for chunk in split(stream, chunking):
        parser.feed(chunk)
        while (args := parser.next()) is not None:
            got.append(args)
    assert got == expected == commands


@FUZZ
@given(data=garbage, chunking=cuts, limit=st.integers(0, 4096))
def test_the_parser_raises_only_request_error(data: bytes, chunking: list[int], limit: int) -> None:
    parser = RequestParser(limit)
    try:
        for chunk in split(data, chunking):
            parser.feed(chunk)
            while (args := parser.next()) is not None:
                assert args and all(isinstance(a, bytes) for a in args)
                assert sum(len(a) for a in args) <= max(limit, MAX_INLINE)
    except RequestError:
        pass


@FUZZ
@given(commands=st.lists(one_reply_commands, max_size=12), chunking=cuts)
def test_every_command_gets_exactly_one_reply(
    commands: list[list[bytes]], chunking: list[int]
) -> None:
    stream = b"".join(resp_request(c) for c in commands)
    with RespHarness() as h:
        replies = parse_replies(h.feed(split(stream, chunking)))
        assert len(replies) == len(commands), (commands, replies)
