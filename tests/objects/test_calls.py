"""Method codecs: caller-side validation naming the argument, the fast path of plain
arguments, replies."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pytest

from rabia.objects import BadCall, command
from rabia.objects.calls import Method
from rabia.objects.methods import options_of
from rabia.objects.replies import Failure, Ok, encode_failure


async def transfer(self: Any, source: str, amount: Annotated[int, msgspec.Meta(ge=0)]) -> int:
    return amount


def method() -> Method:
    options = options_of(command(transfer))
    assert options is not None
    return Method("transfer", transfer, options)


def test_a_call_encodes_its_name_and_arguments() -> None:
    payload = method().encode_call(("a",), {"amount": 3})
    assert msgspec.msgpack.decode(payload) == ["transfer", "a", 3]


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        (("a", "thirty"), {}, r"Expected `int`, got `str` - at argument `amount`"),
        (("a", -1), {}, r">= 0 - at argument `amount`"),
        ((3, 1), {}, r"got `int` - at argument `source`"),
        (("a",), {}, r"missing a required argument: 'amount'"),
        (("a", 1), {"other": 2}, r"unexpected keyword argument 'other'"),
        (("a", object()), {}, r"transfer: .*unsupported"),
    ],
)
def test_a_wrong_call_is_refused_before_it_is_sent(
    args: tuple[Any, ...], kwargs: dict[str, Any], expected: str
) -> None:
    with pytest.raises(BadCall, match=expected) as caught:
        method().encode_call(args, kwargs)
    assert isinstance(caught.value, TypeError)


def test_replies_decode_to_the_return_type_or_a_failure() -> None:
    m = method()
    assert m.decode_reply(msgspec.msgpack.encode(Ok(5))).value == 5
    failure = m.decode_reply(encode_failure(KeyError("k")))
    assert failure == Failure("KeyError", "'k'", ["k"])
    with pytest.raises(msgspec.ValidationError):
        m.decode_reply(msgspec.msgpack.encode(Ok("five")))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((True, 1), "got `bool`"),  # a bool is no int to msgspec
        ((2**64, 1), "serialize ints"),
        ((1, 2.5), "got `float`"),
    ],
)
def test_plain_arguments_are_checked_too(args: tuple[Any, ...], expected: str) -> None:
    async def add(self: Any, n: int, m: int) -> int:
        return n + m

    options = options_of(command(add))
    assert options is not None
    plain = Method("add", add, options)
    assert msgspec.msgpack.decode(plain.encode_call((1, 2), {})) == ["add", 1, 2]
    with pytest.raises(BadCall, match=expected):
        plain.encode_call(args, {})


def test_unencodable_exception_args_fall_back_to_the_message() -> None:
    failure = msgspec.msgpack.decode(encode_failure(ValueError(object())))
    assert failure[:2] == [1, "ValueError"] and failure[3] == [failure[2]]


def test_variadic_and_unannotated_parameters_are_refused() -> None:
    async def variadic(self: Any, *values: int) -> None: ...

    async def bare(self: Any, value) -> None: ...  # type: ignore[no-untyped-def]

    cases: list[tuple[Any, str]] = [(variadic, r"\*args"), (bare, "needs a type annotation")]
    for function, message in cases:
        options = options_of(command(function))
        assert options is not None
        with pytest.raises(TypeError, match=message):
            Method(function.__name__, function, options)
