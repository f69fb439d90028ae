"""A replica's side of a call: the reply's wire form, errors, the log's context."""

from __future__ import annotations

import msgspec
import pytest

from rabia.objects import Replicated, command, query
from rabia.objects.dispatch import answer_query, apply_command
from rabia.objects.replicated import schema_of
from rabia.objects.replies import BAD_CALL, Ok
from tests.objects.samples import Ledger


class Echo(Replicated):
    @command
    async def echo(self, value: object) -> object:
        return value

    @command
    async def draw_twice(self) -> list[int]:
        return [self.random().randrange(1 << 30), self.random().randrange(1 << 30)]


class Plain(Replicated):
    """The same methods written as plain ``def``."""

    total: int = 0

    @command
    def add(self, n: int, *, note: str = "") -> int:
        self.total += n
        if note == "fail":
            raise ValueError("refused")
        return self.total

    @command
    def stamp(self) -> int:
        return self.log_time()

    @command
    async def twice(self, n: int) -> int:
        await self.add(n)  # a plain command is awaitable from another method
        return await self.add(n)

    @query
    def read(self) -> int:
        return self.total


class OnlyQueries(Replicated):
    @query
    async def nothing(self) -> None:
        return None


@pytest.mark.parametrize("value", [5, "five", None, [1, 2], {"a": b"b"}, 2.5])
def test_a_result_is_encoded_as_ok(value: object) -> None:
    echo = Echo()
    call = schema_of(Echo).methods["echo"].encode_call((value,), {})
    assert apply_command(echo, schema_of(Echo), call, 0) == msgspec.msgpack.encode(Ok(value))


def test_one_command_draws_from_one_stream() -> None:
    schema = schema_of(Echo)
    call = schema.methods["draw_twice"].encode_call((), {})
    first, second = msgspec.msgpack.decode(apply_command(Echo(), schema, call, 7))[1]
    assert first != second  # the second draw continues the first one's stream
    again = msgspec.msgpack.decode(apply_command(Echo(), schema, call, 7))[1]
    assert again == [first, second]  # same log time and call: same draws on every replica


def test_a_class_without_commands_or_queries_answers_a_bad_call() -> None:
    only = OnlyQueries()
    failure = msgspec.msgpack.decode(apply_command(only, schema_of(OnlyQueries), b"\x90", 0))
    assert failure[:2] == [1, BAD_CALL] and "no commands" in failure[2]
    ledger = Ledger()
    failure = msgspec.msgpack.decode(answer_query(ledger, schema_of(Ledger), b"\x90"))
    assert failure[:2] == [1, BAD_CALL]


def test_the_log_context_is_gone_after_the_command() -> None:
    ledger = Ledger()
    call = schema_of(Ledger).methods["deposit"].encode_call(("a", 1), {})
    apply_command(ledger, schema_of(Ledger), call, 3)
    assert ledger._rabia_log is None


def test_plain_def_methods_apply_like_async_ones() -> None:
    plain, schema = Plain(), schema_of(Plain)
    add, query = schema.methods["add"], schema.methods["read"]
    assert add.synchronous and not schema.methods["twice"].synchronous

    def call(name: str, *args: object, **kwargs: object) -> object:
        payload = schema.methods[name].encode_call(args, kwargs)
        return msgspec.msgpack.decode(apply_command(plain, schema, payload, 42))

    assert call("add", 2) == [0, 2]
    assert call("add", 3, note="x") == [0, 5]
    assert call("add", 4, note="fail")[:2] == [1, "ValueError"]
    assert plain.total == 5  # rolled back
    assert call("twice", 1) == [0, 7]
    assert call("stamp") == [0, 42]
    answer = answer_query(plain, schema, query.encode_call((), {}))
    assert msgspec.msgpack.decode(answer) == [0, 7]
    assert add.encode_call((1,), {}) == msgspec.msgpack.encode(["add", 1, ""])
