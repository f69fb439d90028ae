"""ACL against redis-server 7.0.15: two connections per side (an admin, and a client
authenticated as a user with category, key-pattern and channel rules); every reply.

Normalised: ACL CAT lists (Redis answers in hash order: compared sorted). Not compared:
ACL LIST/GETUSER of users whose command rules Redis 7.0 rewrites from its bitmap (its
fix-ups come in hash-table order; here rules are shown as given, as Redis 7.2 does), and
categories holding commands rabia does not have (geo, hyperloglog...)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.differential.check import sorted_items
from tests.differential.oracle import (
    RedisOracle,
    RespSocket,
    array_items,
    differences,
    encode_request,
)
from tests.kv.fakes import Client, FakeLog

USERS = {
    b"reader": [b"on", b">pw", b"~a*", b"+@read", b"+client|id", b"-strlen"],
    b"nodanger": [b"on", b">pw", b"~*", b"&c*", b"+@all", b"-@dangerous"],
    b"split": [b"on", b">pw", b"%R~r*", b"%W~w*", b"+@all"],
    b"few": [b"on", b">pw", b"allkeys", b"allchannels", b"-@all", b"+@string", b"+@hash"],
}

COMMANDS = [
    [b"SET", b"a1", b"x"],
    [b"SET", b"w1", b"x"],
    [b"GET", b"a1"],
    [b"GET", b"b"],
    [b"STRLEN", b"a1"],
    [b"HSET", b"a2", b"f", b"v"],
    [b"HGET", b"a2", b"f"],
    [b"HGET", b"b2", b"f"],
    [b"MGET", b"a1", b"b1"],
    [b"FLUSHDB"],
    [b"KEYS", b"*"],
    [b"DEL", b"r1"],
    [b"GET", b"r1"],
    [b"GET", b"w1"],
    [b"APPEND", b"w1", b"y"],
    [b"COPY", b"r1", b"w2"],
    [b"EXISTS", b"w1"],
    [b"PUBLISH", b"c1", b"m"],
    [b"PUBLISH", b"d", b"m"],
    [b"CLIENT", b"ID"],
    [b"ACL", b"WHOAMI"],
    [b"ACL", b"LIST"],
    [b"MULTI"],
    [b"GET", b"a1"],
    [b"GET", b"zz"],
    [b"EXEC"],
    [b"EVAL", b"return redis.pcall('get', 'zz')", b"0"],
    [b"EVAL", b"return redis.pcall('flushdb')", b"0"],
    [b"EVAL", b"return redis.pcall('publish', 'd', 'm')", b"0"],
]


class Sides:
    def __init__(self, oracle: RedisOracle) -> None:
        self.log = FakeLog()
        self.ours = [Client(self.log), Client(self.log, client_id=8)]
        self.theirs = [RespSocket(oracle.port), RespSocket(oracle.port)]

    def call(self, side: int, command: list[bytes]) -> tuple[bytes, bytes]:
        return self.ours[side].raw(encode_request(command)), self.theirs[side].call(command)

    def close(self) -> None:
        for sock in self.theirs:
            sock.close()


@pytest.fixture
def sides(oracle: RedisOracle) -> Iterator[Sides]:
    oracle.reset()
    both = Sides(oracle)
    try:
        yield both
    finally:
        both.call(0, [b"ACL", b"DELUSER", *USERS])
        both.close()


def _rules_sorted(rules: bytes) -> bytes:
    """Command rules after ``+@all``/``-@all`` in sorted order (Redis 7.0 lists its
    single-command fix-ups in hash-table order)."""
    first, *rest = rules.split(b" ")
    return b" ".join([first, *sorted(rest)])


def canonical(command: list[bytes], reply: bytes) -> bytes:
    if command[:2] == [b"ACL", b"CAT"] and reply.startswith(b"*"):
        return sorted_items(reply)
    if command[:2] == [b"ACL", b"GETUSER"] and reply.startswith(b"*12\r\n"):
        items = array_items(reply)
        at = items.index(b"$8\r\ncommands\r\n") + 1
        rules = _rules_sorted(items[at].split(b"\r\n")[1])
        items[at] = b"$%d\r\n%s\r\n" % (len(rules), rules)
        return b"*12\r\n" + b"".join(items)
    if command[:2] == [b"CLIENT", b"ID"] and reply.startswith(b":"):
        return b":ID\r\n"
    return reply


@pytest.mark.parametrize("name", sorted(USERS))
def test_a_users_commands_get_redis_replies(sides: Sides, name: bytes) -> None:
    pairs = []
    for command in [[b"ACL", b"SETUSER", name, *USERS[name]], [b"ACL", b"GETUSER", name]]:
        ours, theirs = sides.call(0, command)
        pairs.append((command, canonical(command, ours), canonical(command, theirs)))
    pairs.append(([b"AUTH", name, b"pw"], *sides.call(1, [b"AUTH", name, b"pw"])))
    for command in COMMANDS:
        ours, theirs = sides.call(1, command)
        pairs.append((command, canonical(command, ours), canonical(command, theirs)))
    problems = list(differences(pairs))
    assert problems == [], "\n".join(problems)


ADMIN = [
    [b"ACL", b"SETUSER", b"few", b"on", b"nopass", b"+@all", b"-@dangerous", b"~*"],
    [b"ACL", b"GETUSER", b"few"],
    [b"ACL", b"SETUSER", b"few", b"bogus"],
    [b"ACL", b"SETUSER", b"few", b"+get", b"+@nope"],
    [b"ACL", b"SETUSER", b"few", b"#abc"],
    [b"ACL", b"SETUSER", b"few", b"<nope"],
    [b"ACL", b"SETUSER", b"few", b"allkeys", b"~c"],
    [b"ACL", b"SETUSER", b"few", b"-get|x"],
    [b"ACL", b"SETUSER", b"few", b"+acl|cat|x"],
    [b"ACL", b"SETUSER", b"x y"],
    [b"ACL", b"GETUSER", b"few"],
    [b"ACL", b"SETUSER", b"split", b"reset"],
    [b"ACL", b"GETUSER", b"split"],
    [b"ACL", b"SETUSER", b"reader", b"on", b"nopass", b"~*", b"&*", b"-@all", b"+set"],
    [b"ACL", b"LIST"],
    [b"ACL", b"USERS"],
    [b"ACL", b"GETUSER", b"nobody"],
    [b"ACL", b"DELUSER", b"default"],
    [b"ACL", b"DELUSER", b"split", b"nobody"],
    [b"ACL", b"CAT"],
    [b"ACL", b"CAT", b"transaction"],
    [b"ACL", b"CAT", b"nope"],
    [b"ACL", b"CAT", b"a", b"b"],
    [b"ACL", b"DRYRUN", b"reader", b"set", b"x", b"y"],
    [b"ACL", b"DRYRUN", b"reader", b"get", b"x"],
    [b"ACL", b"DRYRUN", b"nobody", b"get", b"x"],
    [b"ACL", b"DRYRUN", b"reader", b"nocmd"],
    [b"ACL", b"DRYRUN", b"reader", b"set", b"x"],
    [b"ACL", b"NOPE"],
    [b"ACL", b"WHOAMI", b"x"],
    [b"AUTH", b"a", b"b", b"c"],
    [b"AUTH", b"nobody", b"x"],
    [b"AUTH", b"pw"],
]


def test_acl_administration_gets_redis_replies(sides: Sides) -> None:
    pairs = []
    for command in ADMIN:
        ours, theirs = sides.call(0, command)
        pairs.append((command, canonical(command, ours), canonical(command, theirs)))
    problems = list(differences(pairs))
    assert problems == [], "\n".join(problems)


def test_a_deleted_user_is_disconnected(sides: Sides) -> None:
    sides.call(0, [b"ACL", b"SETUSER", b"few", b"on", b"nopass", b"+@all", b"~*"])
    sides.call(1, [b"AUTH", b"few", b"x"])
    sides.call(0, [b"ACL", b"DELUSER", b"few"])
    sides.ours[1].raw(encode_request([b"GET", b"a"]))
    assert sides.ours[1].conn.closing
    with pytest.raises(OSError):
        sides.theirs[1].call([b"GET", b"a"])


def test_command_categories_are_redis_categories(oracle: RedisOracle) -> None:
    """Each category holds the same commands here as in redis-server (those both have,
    as containers alike)."""
    from rabia.kv.acl.catalog import CATEGORIES
    from rabia.kv.commands.acl_categories import catalog
    from rabia.kv.commands.table import COMMANDS

    ours = catalog(COMMANDS)
    theirs = {
        category: {
            item.split(b"\r\n")[1] for item in array_items(oracle.call([b"ACL", b"CAT", category]))
        }
        for category in CATEGORIES
    }
    known = set().union(*theirs.values())
    # XINFO and XGROUP are containers in Redis, plain commands here: left out.
    known -= {name.partition(b"|")[0] for name in known if b"|" in name} - set(ours.subcommands)
    for category in CATEGORIES:
        assert set(ours.members[category]) & known == theirs[category] & known & ours.ids, category
