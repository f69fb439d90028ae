"""Sorted set commands applied by the machine: replies, options, errors, events, limits,
encodings, snapshots and RESP3 forms, as Redis 7.0 gives them."""

from __future__ import annotations

import pytest

from rabia.kv import KVMachine
from rabia.kv.values.zset import ZSetValue
from tests.kv.commands.test_table import apply
from tests.kv.conftest import Driver
from tests.kv.fakes import Client
from tests.kv.replies import p
from tests.kv.test_events import recorded

SYNTAX = b"-ERR syntax error\r\n"
NOT_FLOAT = b"-ERR value is not a valid float\r\n"
WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"


def zset(r: Driver, key: str) -> ZSetValue:
    value = r.m._context.keyspace.data[key.encode()]
    assert isinstance(value, ZSetValue)
    return value


def test_zadd_and_reads(r: Driver) -> None:
    assert r("ZADD", "z", "1", "a", "2", "b", "1", "c") == b":3\r\n"
    assert p(r, "ZRANGE", "z", "0", "-1", "WITHSCORES") == [b"a", b"1", b"c", b"1", b"b", b"2"]
    assert r("ZADD", "z", "5", "a", "2", "b") == b":0\r\n"
    assert r("ZSCORE", "z", "a") == b"$1\r\n5\r\n"
    assert r("ZSCORE", "z", "nope") == r("ZSCORE", "none", "a") == b"$-1\r\n"
    assert p(r, "ZMSCORE", "z", "a", "nope", "b") == [b"5", None, b"2"]
    assert p(r, "ZMSCORE", "none", "a", "b") == [None, None]
    assert r("ZCARD", "z") == b":3\r\n" and r("ZCARD", "none") == b":0\r\n"
    assert r("ZRANK", "z", "c") == b":0\r\n" and r("ZREVRANK", "z", "c") == b":2\r\n"
    assert r("ZRANK", "z", "nope") == r("ZREVRANK", "none", "c") == b"$-1\r\n"


@pytest.mark.parametrize(
    ("options", "reply", "scores"),
    [
        (["NX"], 1, {"a": "1", "n": "5"}),
        (["XX"], 0, {"a": "5"}),
        (["XX", "CH"], 1, {"a": "5"}),
        (["GT", "CH"], 2, {"a": "5", "n": "5"}),
        (["LT"], 1, {"a": "1", "n": "5"}),
        (["GT", "XX", "CH"], 1, {"a": "5"}),
        (["ch"], 2, {"a": "5", "n": "5"}),
    ],
)
def test_zadd_options(r: Driver, options: list[str], reply: int, scores: dict[str, str]) -> None:
    r("ZADD", "z", "1", "a")
    assert p(r, "ZADD", "z", *options, "5", "a", "5", "n") == reply
    got = p(r, "ZRANGE", "z", "0", "-1", "WITHSCORES")
    assert isinstance(got, list)
    assert dict(zip(got[0::2], got[1::2], strict=True)) == {
        k.encode(): v.encode() for k, v in scores.items()
    }


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["NX", "XX", "1", "a"], b"-ERR XX and NX options at the same time are not compatible\r\n"),
        (
            ["NX", "GT", "1", "a"],
            b"-ERR GT, LT, and/or NX options at the same time are not compatible\r\n",
        ),
        (
            ["GT", "LT", "1", "a"],
            b"-ERR GT, LT, and/or NX options at the same time are not compatible\r\n",
        ),
        (
            ["INCR", "1", "a", "2", "b"],
            b"-ERR INCR option supports a single increment-element pair\r\n",
        ),
        (["1", "a", "2"], SYNTAX),
        (["NX", "1"], SYNTAX),
        (["1", "a", "x", "b"], NOT_FLOAT),
        (["nan", "a"], NOT_FLOAT),
        ([" 1", "a"], NOT_FLOAT),
        (["1e400", "a"], NOT_FLOAT),
    ],
)
def test_zadd_errors_change_nothing(r: Driver, args: list[str], error: bytes) -> None:
    assert r("ZADD", "z", *args) == error
    assert r("EXISTS", "z") == b":0\r\n"


def test_zadd_incr_and_zincrby(r: Driver) -> None:
    assert r("ZINCRBY", "z", "1.5", "a") == b"$3\r\n1.5\r\n"
    assert r("ZADD", "z", "INCR", "1", "a") == b"$3\r\n2.5\r\n"
    assert r("ZADD", "z", "XX", "INCR", "1", "new") == b"$-1\r\n"
    assert r("ZADD", "z", "GT", "INCR", "-1", "a") == b"$-1\r\n"
    assert r("ZINCRBY", "z", "inf", "a") == b"$3\r\ninf\r\n"
    assert r("ZINCRBY", "z", "-inf", "a") == b"-ERR resulting score is not a number (NaN)\r\n"
    assert r("ZSCORE", "z", "a") == b"$3\r\ninf\r\n"
    assert r("ZINCRBY", "z", "NX", "a") == SYNTAX  # NX is read as an option, as Redis does


def test_scores_are_written_as_redis_writes_doubles(r: Driver) -> None:
    texts = {"0.1": b"0.10000000000000001", "1e20": b"1e+20", "1.5e-7": b"1.4999999999999999e-07"}
    texts |= {
        "3": b"3",
        "0x10": b"16",
        "+inf": b"inf",
        "-INF": b"-inf",
        "1e-310": b"9.9999999999999694e-311",
    }
    for text, written in texts.items():
        r("ZADD", "z", text, "m")
        assert r("ZSCORE", "z", "m") == b"$%d\r\n%s\r\n" % (len(written), written)


def test_negative_zero_as_redis_7_0_keeps_it(r: Driver) -> None:
    assert r("ZADD", "small", "INCR", "-0", "m") == b"$2\r\n-0\r\n"  # the computed score
    assert r("ZSCORE", "small", "m") == b"$1\r\n0\r\n"  # stored in a listpack: 0
    r("ZADD", "big", "1", "x" * 65)
    r("ZADD", "big", "-0", "m")
    assert r("ZSCORE", "big", "m") == b"$2\r\n-0\r\n"  # in the skiplist encoding: -0


def test_zrem_deletes_the_emptied_key(r: Driver) -> None:
    r("ZADD", "z", "1", "a", "2", "b")
    assert r("ZREM", "z", "a", "nope") == b":1\r\n"
    assert r("ZREM", "z", "b", "a") == b":1\r\n"
    assert r("EXISTS", "z") == b":0\r\n"
    assert r("ZREM", "z", "a") == b":0\r\n"


def test_wrong_type_both_ways(r: Driver) -> None:
    r("SET", "s", "v")
    r("ZADD", "z", "1", "a")
    for args in (["ZADD", "s", "1", "a"], ["ZSCORE", "s", "a"], ["ZRANGE", "s", "0", "1"]):
        assert r(*args) == WRONGTYPE
    assert r("GET", "z") == WRONGTYPE and r("INCR", "z") == WRONGTYPE
    assert r("TYPE", "z") == b"+zset\r\n"
    assert r("ZADD", "s", "x", "a") == NOT_FLOAT  # scores are read before the key


def test_zscan(r: Driver) -> None:
    r("ZADD", "z", "1", "a", "2.5", "b", "3", "ab")
    assert p(r, "ZSCAN", "z", "0") == [b"0", [b"a", b"1", b"b", b"2.5", b"ab", b"3"]]
    assert p(r, "ZSCAN", "z", "0", "MATCH", "a*", "COUNT", "1") == [b"0", [b"a", b"1", b"ab", b"3"]]
    assert r("ZSCAN", "z", "x") == b"-ERR invalid cursor\r\n"
    assert r("ZSCAN", "z", "0", "TYPE", "zset") == SYNTAX
    assert r("ZSCAN", "z", "0", "COUNT", "0") == SYNTAX
    assert r("ZSCAN", "none", "0", "BOGUS") == b"*2\r\n$1\r\n0\r\n*0\r\n"
    r("ZADD", "big", *[x for i in range(300) for x in (str(i), f"m{i:03d}")])
    cursor: bytes = b"0"
    seen: set[bytes] = set()
    while True:
        got = p(r, "ZSCAN", "big", cursor, "COUNT", "7")
        assert isinstance(got, list) and isinstance(got[1], list) and isinstance(got[0], bytes)
        seen.update(m for m in got[1][0::2] if isinstance(m, bytes))
        cursor = got[0]
        if cursor == b"0":
            break
    assert seen == {b"m%03d" % i for i in range(300)}


def test_limits_refuse_new_keys(r: Driver) -> None:
    r.m.max_keys = 1
    assert r("ZADD", "a", "1", "x") == b":1\r\n"
    assert r("ZADD", "b", "1", "x") == b"-ERR max number of keys reached\r\n"
    assert r("ZUNIONSTORE", "c", "1", "a") == b"-ERR max number of keys reached\r\n"
    assert r("ZUNIONSTORE", "a", "1", "a") == b":1\r\n"  # replacing an existing key
    r.m.max_key_size = 3
    assert r("ZADD", "long", "1", "x") == b"-ERR key exceeds maximum allowed size\r\n"


def test_encodings_follow_redis(r: Driver) -> None:
    r("ZADD", "z", *[x for i in range(128) for x in ("1", f"m{i}")])
    assert zset(r, "z").ENCODING == b"listpack"
    r("ZADD", "z", "1", "one-more")
    assert zset(r, "z").ENCODING == b"skiplist"
    r("ZREMRANGEBYRANK", "z", "0", "-3")
    assert zset(r, "z").ENCODING == b"skiplist"  # never back
    r("ZUNIONSTORE", "u", "1", "z")
    assert zset(r, "u").ENCODING == b"listpack"  # a stored result is packed when it fits


def test_events_are_named_as_redis_names_them() -> None:
    r, rec = recorded()
    r("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")  # 1
    r("ZADD", "z", "1", "a")  # 2: no change, no event
    r("ZINCRBY", "z", "1", "a")  # 3
    r("ZADD", "z", "INCR", "1", "a")  # 4
    r("ZREM", "z", "a")  # 5
    r("ZREMRANGEBYSCORE", "z", "2", "2")  # 6
    r("ZREMRANGEBYRANK", "z", "0", "0")  # 7
    r("ZREMRANGEBYLEX", "z", "-", "+")  # 8: empties it
    r("ZADD", "y", "1", "a", "2", "b")  # 9
    r("ZPOPMIN", "y")  # 10
    r("ZPOPMAX", "y", "5")  # 11
    r("ZADD", "x", "1", "a")  # 12
    r("ZUNIONSTORE", "u", "1", "x")  # 13
    r("ZINTERSTORE", "u", "2", "x", "none")  # 14: empty result deletes u
    r("ZRANGESTORE", "s", "x", "0", "-1")  # 15
    r("ZDIFFSTORE", "d", "1", "x")  # 16
    assert [(rev, e.decode(), k.decode()) for rev, e, k in rec.events] == [
        (1, "zadd", "z"),
        (3, "zincr", "z"),
        (4, "zincr", "z"),
        (5, "zrem", "z"),
        (6, "zremrangebyscore", "z"),
        (7, "zremrangebyrank", "z"),
        (8, "zremrangebylex", "z"),
        (8, "del", "z"),
        (9, "zadd", "y"),
        (10, "zpopmin", "y"),
        (11, "zpopmax", "y"),
        (11, "del", "y"),
        (12, "zadd", "x"),
        (13, "zunionstore", "u"),
        (14, "del", "u"),
        (15, "zrangestore", "s"),
        (16, "zdiffstore", "d"),
    ]


def test_snapshots_keep_sorted_sets_their_encodings_and_revisions(r: Driver) -> None:
    r("ZADD", "small", "1", "a", "-0", "b", "0.1", "c")
    r("ZADD", "big", *[x for i in range(200) for x in (str(i % 9), f"m{i:03d}")])
    r("ZADD", "long", "-0", "x" * 100)
    r("EXPIRE", "small", "100")
    twin = KVMachine()
    twin.restore(r.m.snapshot())
    assert twin.snapshot() == r.m.snapshot()
    other = Driver(twin)
    other.now = r.now
    for key in ("small", "big", "long"):
        assert other("ZRANGE", key, "0", "-1", "WITHSCORES") == r(
            "ZRANGE", key, "0", "-1", "WITHSCORES"
        )
        assert zset(other, key).ENCODING == zset(r, key).ENCODING
    assert other("TTL", "small") == b":100\r\n"


def test_resp3_forms() -> None:
    c = Client()
    c("HELLO 3")
    assert c("ZADD z 1 a 2.5 b inf c") == b":3\r\n"
    assert c("ZSCORE z b") == b",2.5\r\n"
    assert c("ZSCORE z nope") == b"_\r\n"
    assert c("ZINCRBY z 1 a") == b",2\r\n"
    assert c("ZADD z INCR 1 a") == b",3\r\n"
    assert c("ZMSCORE z a nope c") == b"*3\r\n,3\r\n_\r\n,inf\r\n"
    pairs = b"*2\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\na\r\n,3\r\n"
    assert c("ZRANGE z 0 1 WITHSCORES") == pairs
    assert c("ZRANGEBYSCORE z -inf (inf withscores") == pairs
    assert c("ZRANGE z 0 1") == b"*2\r\n$1\r\nb\r\n$1\r\na\r\n"
    assert c("ZUNION 1 z WITHSCORES").startswith(b"*3\r\n*2\r\n$1\r\nb\r\n,2.5\r\n")
    assert c("ZUNION 1 withscores") == b"*0\r\n"  # a key named withscores
    assert c("ZPOPMIN z") == b"*2\r\n$1\r\nb\r\n,2.5\r\n"
    assert c("ZPOPMIN z 1") == b"*1\r\n*2\r\n$1\r\na\r\n,3\r\n"
    assert c("ZADD z 1 a 2 x") == b":2\r\n"
    assert c("BZPOPMIN z 0") == b"*3\r\n$1\r\nz\r\n$1\r\na\r\n,1\r\n"
    assert c("ZMPOP 1 z MIN") == b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nx\r\n,2\r\n"
    assert c("ZMPOP 1 nokey MIN") == b"_\r\n"


def test_the_table_rows_apply() -> None:
    assert apply([b"ZADD", b"k", b"1", b"m"]) == b":1\r\n"


def test_zrandmember(r: Driver) -> None:
    r("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert p(r, "ZRANDMEMBER", "z") in ([b"a"], b"a", b"b", b"c")
    assert p(r, "ZRANDMEMBER", "z", "5", "WITHSCORES") == [b"a", b"1", b"b", b"2", b"c", b"3"]
    two = p(r, "ZRANDMEMBER", "z", "2")
    assert isinstance(two, list) and len(set(two)) == 2 and set(two) <= {b"a", b"b", b"c"}
    many = p(r, "ZRANDMEMBER", "z", "-20", "WITHSCORES")
    assert isinstance(many, list) and len(many) == 40
    assert all(
        {m: s for m, s in zip(many[0::2], many[1::2], strict=True)}[m] in (b"1", b"2", b"3")
        for m in many[0::2]
    )
    assert p(r, "ZRANDMEMBER", "z", "0") == [] and p(r, "ZRANDMEMBER", "none", "3") == []
    assert r("ZRANDMEMBER", "none") == b"$-1\r\n"
    assert r("ZRANDMEMBER", "z", "1", "SCORES") == SYNTAX
    assert r("ZRANDMEMBER", "z", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert r("ZRANDMEMBER", "z", str(2**62), "WITHSCORES") == b"-ERR value is out of range\r\n"
    assert r("ZRANDMEMBER", "z", str(-(2**63))).startswith(
        b"-ERR value is out of range, value must"
    )
    r.m.max_value_size = 10
    assert r("ZRANDMEMBER", "z", "-11") == b"-ERR count exceeds what one reply may hold\r\n"


def test_zrandmember_draws_the_same_on_every_replica() -> None:
    replies = []
    for _ in range(2):
        r = Driver()
        r("ZADD", "big", *[x for i in range(300) for x in (str(i), f"m{i:03d}")])
        replies.append([r("ZRANDMEMBER", "big", n) for n in ("5", "-5", "1", "299")])
    assert replies[0] == replies[1]
    got = p(r, "ZRANDMEMBER", "big", "299")
    assert isinstance(got, list) and len(set(got)) == 299
