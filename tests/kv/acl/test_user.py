"""Rules applied to a user: each kind, Redis's errors, and garbage never crashing."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rabia.kv.acl.user import RuleError, User, password_hash
from rabia.kv.commands.acl_categories import catalog
from rabia.kv.commands.table import COMMANDS

CATALOG = catalog(COMMANDS)


def user_with(*rules: str) -> User:
    user = User(b"u")
    for rule in rules:
        user.apply(rule.encode(), CATALOG)
    return user


def test_a_new_user_may_do_nothing() -> None:
    user = User(b"u")
    assert not user.on and not user.allowed and not user.keys and not user.all_channels


def test_passwords_are_kept_hashed_and_removed() -> None:
    user = user_with("on", ">a", ">b", ">a", "<b")
    assert user.passwords == [password_hash(b"a")]
    assert user.check_password(b"a") and not user.check_password(b"b")
    assert user_with("nopass").passwords == [] and not user_with("off", "nopass").check_password(
        b""
    )
    assert user_with("on", "nopass").check_password(b"anything")
    assert user_with("on", "nopass", "resetpass").check_password(b"x") is False


def test_command_rules_follow_categories_and_subcommands() -> None:
    user = user_with("+@read", "-get", "+client|id", "+select|0")
    assert b"strlen" in user.allowed and b"get" not in user.allowed
    assert b"client|id" in user.allowed and b"client|kill" not in user.allowed
    assert user.first_args == {b"select": {b"0"}}
    assert user.command_rules == [b"+@read", b"-get", b"+client|id", b"+select|0"]
    assert user_with("+@all", "-get", "+get").command_rules == [b"+get"]
    assert user_with("+acl", "-acl|setuser").allowed >= {b"acl", b"acl|whoami"}


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("foo", b"Syntax error"),
        ("+nosuch", b"Unknown command or category name in ACL"),
        ("+@nope", b"Unknown command or category name in ACL"),
        ("-get|x", b"Unknown command or category name in ACL"),
        ("+acl|cat|x", b"Allowing first-arg of a subcommand is not supported"),
        ("#abc", b"The password hash must be exactly 64 characters"),
        ("<nope", b"The password you are trying to remove from the user does not exist"),
        ("%X~a", b"Syntax error"),
    ],
)
def test_bad_rules_get_redis_reasons(rule: str, reason: bytes) -> None:
    with pytest.raises(RuleError) as caught:
        user_with(rule)
    assert caught.value.reason.startswith(reason)


def test_patterns_after_all_are_refused() -> None:
    with pytest.raises(RuleError):
        user_with("allkeys", "~a")
    with pytest.raises(RuleError):
        user_with("&*", "&a")
    assert user_with("~a", "%R~a").keys[0].read and user_with("%W~a").keys[0].write


words = st.one_of(
    st.binary(max_size=12),
    st.sampled_from(["+", "-", "~", "%", "&", ">", "<", "#", "!", "+@", "-@", "("]).flatmap(
        lambda p: st.binary(max_size=10).map(lambda b: p.encode() + b)
    ),
)


@given(st.lists(words, max_size=8))
def test_garbage_rules_raise_rule_errors_only(rules: list[bytes]) -> None:
    user = User(b"u")
    for rule in rules:
        with contextlib.suppress(RuleError):
            user.apply(rule, CATALOG)
