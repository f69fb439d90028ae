"""Permission checks: command, then keys (with read/write patterns), then channels."""

from __future__ import annotations

from rabia.kv.acl.check import Denial, Request, denial, noperm
from tests.kv.acl.test_user import user_with


def req(command: str, keys: list[tuple[str, bool, bool]] = [], channels: list[str] = []) -> Request:  # noqa: B006
    return Request(
        command.encode(),
        None,
        [(k.encode(), r, w) for k, r, w in keys],
        [c.encode() for c in channels],
        [],
    )


def test_commands_keys_and_channels_are_checked_in_order() -> None:
    user = user_with("+@all", "-flushdb", "~a*", "&c*")
    assert denial(user, req("flushdb", [("zz", True, True)])) == (Denial.COMMAND, b"flushdb")
    assert denial(user, req("get", [("a1", True, False)])) is None
    assert denial(user, req("get", [("b", True, False)])) == (Denial.KEY, b"b")
    assert denial(user, req("publish", channels=["c1"])) is None
    assert denial(user, req("publish", channels=["d"])) == (Denial.CHANNEL, b"d")


def test_read_and_write_patterns() -> None:
    user = user_with("+@all", "%R~r*", "%W~w*")
    assert denial(user, req("get", [("r1", True, False)])) is None
    assert denial(user, req("set", [("r1", False, True)])) == (Denial.KEY, b"r1")
    assert denial(user, req("set", [("w1", False, True)])) is None
    assert denial(user, req("exists", [("w1", False, False)])) is None


def test_first_argument_rules() -> None:
    user = user_with("+select|0")
    assert denial(user, Request(b"select", b"0", [], [], [])) is None
    assert denial(user, Request(b"select", b"1", [], [], [])) is not None


def test_noperm_texts_are_redis_texts() -> None:
    assert noperm(Denial.COMMAND, b"flushdb") == (
        b"-NOPERM this user has no permissions to run the 'flushdb' command\r\n"
    )
    assert noperm(Denial.KEY, b"k").endswith(b"one of the keys used as arguments\r\n")
