"""Replicated objects applied directly: results, rollback, garbage, determinism."""

from __future__ import annotations

import msgspec
import pytest

from rabia.objects.replicated import schema_of
from rabia.objects.replies import BAD_CALL, Failure
from tests.objects.samples import Ledger, Unsafe


def call(name: str, *args: object, **kwargs: object) -> bytes:
    return schema_of(Ledger).methods[name].encode_call(args, kwargs)


def reply(name: str, raw: bytes) -> object:
    return schema_of(Ledger).methods[name].decode_reply(raw)


def test_commands_apply_and_return_typed_results() -> None:
    ledger = Ledger()
    assert reply("deposit", ledger.apply(call("deposit", "a", 5))).value == 5  # type: ignore[attr-defined]
    assert reply("balance", ledger.query(call("balance", "a"))).value == 5  # type: ignore[attr-defined]
    assert ledger.balances == {"a": 5} and ledger.moves == 1


def test_keyword_only_parameters_travel() -> None:
    ledger = Ledger()
    ledger.apply(call("deposit", "a", 5))
    ledger.apply(call("withdraw", "a", 1, note="!"))
    assert ledger.history == ["+a", "-a!"]


def test_a_raising_command_changes_nothing() -> None:
    ledger = Ledger()
    ledger.apply(call("deposit", "a", 5))
    before = ledger.snapshot()
    failure = reply("withdraw", ledger.apply(call("withdraw", "a", 9)))
    assert failure == Failure("Overdrawn", "('a', 4)", ["a", 4])
    assert reply("crash", ledger.apply(call("crash", "boom"))) == Failure(
        "ValueError", "boom", ["boom"]
    )
    assert ledger.snapshot() == before and ledger.balances == {"a": 5}


def test_rollback_can_be_switched_off_per_command_and_per_class() -> None:
    ledger = Ledger()
    ledger.apply(call("crash_keeping"))
    assert ledger.moves == 100
    unsafe = Unsafe()
    unsafe.apply(schema_of(Unsafe).methods["bump_and_fail"].encode_call((), {}))
    assert unsafe.value == 1


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\xc1",
        msgspec.msgpack.encode(["nope", 1]),
        msgspec.msgpack.encode(["deposit", "a", "five"]),
        msgspec.msgpack.encode(["balance", "a"]),  # a query through the log
    ],
)
def test_garbage_in_the_log_is_an_error_result_not_a_crash(payload: bytes) -> None:
    ledger = Ledger()
    failure = msgspec.msgpack.decode(ledger.apply(payload))
    assert failure[:2] == [1, BAD_CALL]
    assert ledger.moves == 0


def test_a_command_is_never_answered_as_a_query() -> None:
    ledger = Ledger()
    failure = msgspec.msgpack.decode(ledger.query(call("deposit", "a", 5)))
    assert failure[:2] == [1, BAD_CALL] and ledger.balances == {}


def test_log_time_and_random_are_the_same_on_every_replica() -> None:
    replicas = [Ledger(), Ledger()]
    stamps = [reply("stamp", r.apply_at(call("stamp"), 1234)).value for r in replicas]  # type: ignore[attr-defined]
    assert stamps[0] == stamps[1] and stamps[0][0] == 1234
    failure = reply("now", replicas[0].query(call("now")))
    assert isinstance(failure, Failure) and failure.type_name == "NotDeterministic"


def test_a_method_that_suspends_fails_and_is_rolled_back() -> None:
    failure = reply("sleepy", Ledger().apply(call("sleepy")))
    assert isinstance(failure, Failure) and failure.type_name == "NotDeterministic"


def test_a_result_of_the_wrong_type_fails_on_the_callers_side() -> None:
    raw = Ledger().apply(call("wrong_result"))
    with pytest.raises(msgspec.ValidationError):
        reply("wrong_result", raw)


def test_schemas_are_built_once_per_class() -> None:
    assert schema_of(Ledger) is schema_of(Ledger)
    assert schema_of(Ledger) is not schema_of(Unsafe)
    assert sorted(schema_of(Unsafe).methods) == ["bump_and_fail"]
