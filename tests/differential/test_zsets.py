"""Sorted sets against redis-server: every reply, the final state, and the encodings.

Small sets (listpack in Redis) get every command, lex ranges over mixed scores included;
large sets (over 128 members, or a member over 64 bytes: skiplist in Redis) get what
Redis answers deterministically there: no ZSCAN (hash-table order) and lex ranges only
where all scores are equal (Redis's skiplist walk is undefined otherwise)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rabia.kv.values.zset import ZSetValue
from tests.differential.check import same_behaviour, sorted_pairs
from tests.differential.oracle import Command, Differential, array_items
from tests.differential.strategies import (
    KEYS,
    command,
    floats_text,
    ints_text,
    keys,
    members,
    not_numbers,
    sequences,
    values,
    variadic,
)

good_scores = st.one_of(
    ints_text,
    st.sampled_from([b"1.5", b"-2.25", b"0.1", b"1e20", b"1.5e-7", b"inf", b"-inf", b"-0", b"3"]),
)
scores = st.one_of(
    good_scores,
    good_scores,
    floats_text,
    st.sampled_from([b"-0", b"0x10", b"1e400", b"1e-400", b"1e-310", b"+inf", b"-INF", b"1."]),
    st.sampled_from([b"4611686018427387904", b"123456789012345678", b"0.1", b"1e20", b"1.5e-7"]),
)
_odd_bounds = st.sampled_from([b"(", b"", b" 1", b"1 ", b"nan", b"1e400", b"(0x10", b"abc"])
_low = st.sampled_from(
    [b"-inf", b"(1", b"0", b"(-inf", b"1", b"(2.5", b"-0", b"(3", b"-3", b"+inf"]
)
_high = st.sampled_from(
    [b"+inf", b"5", b"(5", b"2", b"(2.5", b"inf", b"0", b"(-1", b"1.5", b"-inf"]
)
low_scores = st.one_of(
    _low,
    _low,
    _low,
    _odd_bounds,
    floats_text,
)
high_scores = st.one_of(
    _high,
    _high,
    _high,
    _odd_bounds,
    floats_text,
)
score_bounds = st.one_of(low_scores, high_scores)
low_lex = st.sampled_from([b"-", b"[b", b"(a", b"[a", b"(c", b"[", b"(", b"+", b"a", b"-x", b"[1"])
high_lex = st.sampled_from([b"+", b"[d", b"(c", b"[b", b"(e", b"(", b"[", b"-", b"+x", b"[2"])
lex_bounds = st.one_of(low_lex, high_lex)
ranks = st.one_of(
    st.integers(-4, 4).map(lambda n: b"%d" % n),
    st.sampled_from([b"0", b"-1", b"1", b"2", b"-2"]),
    st.sampled_from([b"-1", b"-100", b"100", b"abc", b"1.5"]),
)
add_options = st.lists(
    st.sampled_from([b"NX", b"XX", b"GT", b"LT", b"CH", b"INCR", b"nx", b"ch", b"incr"]), max_size=3
)
limits = st.tuples(ranks, ranks).map(lambda p: [b"LIMIT", *p])
range_options = st.lists(
    st.one_of(
        st.sampled_from([[b"BYSCORE"], [b"BYLEX"], [b"REV"], [b"WITHSCORES"], [b"withscores"]]),
        st.sampled_from([[b"BYSCORE"], [b"REV"], [b"WITHSCORES"]]),
        limits,
        st.sampled_from([[b"LIMIT", b"0"], [b"BOGUS"]]),
    ),
    max_size=3,
).map(lambda parts: [a for part in parts for a in part])


def _zadd(draw: st.DrawFn) -> list[bytes]:
    if draw(st.booleans()):  # a plain ZADD that applies
        pairs = draw(st.lists(st.tuples(good_scores, members), min_size=1, max_size=5))
        return [b"ZADD", draw(keys), *[a for pair in pairs for a in pair]]
    pairs = draw(st.lists(st.tuples(scores, members), min_size=0, max_size=4))
    flat = [a for pair in pairs for a in pair]
    extra = draw(st.sampled_from([[], [], [], [b"1"]]))  # an odd count: syntax error
    return [b"ZADD", draw(keys), *draw(add_options), *flat, *extra]


zadd = st.composite(_zadd)()
any_range = st.tuples(
    st.sampled_from([b"ZRANGE", b"ZREVRANGE", b"ZRANGEBYSCORE", b"ZREVRANGEBYSCORE"]),
    keys,
    st.one_of(ranks, score_bounds, lex_bounds),
    st.one_of(ranks, score_bounds, lex_bounds),
    range_options,
).map(lambda t: [t[0], t[1], t[2], t[3], *t[4]])
by_rank = st.tuples(
    st.sampled_from([b"ZRANGE", b"ZREVRANGE"]),
    keys,
    ranks,
    ranks,
    st.sampled_from([[], [b"WITHSCORES"], [b"REV"], [b"REV", b"WITHSCORES"]]),
).map(lambda t: [t[0], t[1], t[2], t[3], *t[4]])
score_options = st.sampled_from(
    [
        [],
        [b"WITHSCORES"],
        [b"LIMIT", b"1", b"2"],
        [b"LIMIT", b"0", b"-1", b"withscores"],
        [b"LIMIT", b"-1", b"3"],
        [b"LIMIT", b"2", b"0"],
        [b"WITHSCORES", b"LIMIT", b"1", b"-5"],
    ]
)
by_score = st.tuples(
    st.sampled_from([[b"ZRANGEBYSCORE"], [b"ZREVRANGEBYSCORE"], [b"ZRANGE", b"BYSCORE"]]),
    st.sampled_from([[], [b"REV"]]),
    keys,
    low_scores,
    high_scores,
    score_options,
).map(
    lambda t: [
        t[0][0],
        t[2],
        *(
            (t[4], t[3])
            if t[0][0] == b"ZREVRANGEBYSCORE" or (t[1] and t[0][0] == b"ZRANGE")
            else t[3:5]
        ),
        *t[5],
        *t[0][1:],
        *(t[1] if t[0][0] == b"ZRANGE" else []),
    ]
)
range_command = st.one_of(by_rank, by_rank, by_score, by_score, any_range)
lex_command = st.tuples(
    st.sampled_from([b"ZRANGEBYLEX", b"ZREVRANGEBYLEX", b"ZRANGE"]),
    keys,
    low_lex,
    high_lex,
    st.sampled_from([[], [b"LIMIT", b"1", b"2"], [b"LIMIT", b"0", b"-1"], [b"LIMIT", b"-1", b"1"]]),
    st.sampled_from([[], [b"BYLEX"], [b"BYLEX", b"REV"]]),
).map(
    lambda t: (
        [
            t[0],
            t[1],
            *((t[3], t[2]) if t[0] == b"ZREVRANGEBYLEX" or b"REV" in t[5] else t[2:4]),
            *t[4],
            *t[5],
        ]
    )
)
weights = st.lists(st.one_of(ints_text, floats_text), min_size=1, max_size=3)


def _store(draw: st.DrawFn) -> list[bytes]:
    sources = draw(st.lists(keys, min_size=1, max_size=3))
    numkeys = draw(st.sampled_from([b"%d" % len(sources)] * 4 + [b"0", b"-1", b"x", b"9"]))
    options = draw(
        st.lists(
            st.one_of(
                weights.map(lambda w: [b"WEIGHTS", *w]),
                st.just([b"WEIGHTS", *[b"2"] * len(sources)]),
                st.sampled_from(
                    [[b"AGGREGATE", b"SUM"], [b"AGGREGATE", b"min"], [b"AGGREGATE", b"MAX"]]
                ),
                st.sampled_from([[b"AGGREGATE", b"avg"], [b"AGGREGATE"], [b"WITHSCORES"]]),
            ),
            max_size=2,
        )
    )
    name = draw(st.sampled_from([b"ZUNIONSTORE", b"ZINTERSTORE", b"ZDIFFSTORE"]))
    return [name, draw(keys), numkeys, *sources, *[a for part in options for a in part]]


store_command = st.composite(_store)()
read_algebra = st.tuples(
    st.sampled_from([b"ZUNION", b"ZINTER", b"ZDIFF", b"ZINTERCARD"]),
    st.sampled_from([b"1", b"2", b"3", b"0"]),
    st.lists(keys, min_size=1, max_size=3),
    st.sampled_from(
        [[], [b"WITHSCORES"], [b"LIMIT", b"1"], [b"LIMIT", b"-1"], [b"AGGREGATE", b"MIN"]]
    ),
).map(lambda t: [t[0], t[1], *t[2], *t[3]])
pops = st.one_of(
    command(b"ZPOPMIN", keys),
    command(b"ZPOPMAX", keys),
    command(b"ZPOPMAX", keys, st.sampled_from([b"0", b"1", b"2", b"10", b"-1", b"x"])),
    command(b"ZPOPMIN", keys, st.sampled_from([b"3", b"1"]), st.just(b"1")),
    st.tuples(st.sampled_from([b"1", b"2", b"0", b"x"]), st.lists(keys, min_size=1, max_size=2))
    .flatmap(
        lambda t: st.tuples(
            st.just([b"ZMPOP", t[0], *t[1]]),
            st.sampled_from(
                [[b"MIN"], [b"MAX"], [b"max", b"COUNT", b"2"], [b"MIN", b"COUNT", b"0"]]
            ),
        )
    )
    .map(lambda t: t[0] + t[1]),
)
readers = st.one_of(
    command(b"OBJECT", st.just(b"ENCODING"), keys),
    command(b"ZRANDMEMBER", keys),
    command(b"ZRANDMEMBER", keys, st.sampled_from([b"2", b"-3", b"0", b"10", b"x", b"1"])),
    command(b"ZRANDMEMBER", keys, st.sampled_from([b"2", b"-3", b"9"]), st.just(b"WITHSCORES")),
    command(b"ZSCORE", keys, members),
    variadic(b"ZMSCORE", [keys], members, min_size=0),
    command(b"ZCARD", keys),
    command(b"ZRANK", keys, members),
    command(b"ZREVRANK", keys, members),
    command(b"ZCOUNT", keys, low_scores, high_scores),
    command(b"ZLEXCOUNT", keys, low_lex, high_lex),
    command(b"ZSCAN", keys, st.sampled_from([b"0", b"", b"-1", b"x", b" 0", b"+0"])),
    command(b"ZSCAN", keys, st.just(b"0"), st.sampled_from([b"MATCH", b"COUNT", b"TYPE"]), values),
)
writers = st.one_of(
    zadd,
    zadd,
    command(b"ZINCRBY", keys, scores, members),
    command(b"ZINCRBY", keys, st.sampled_from([b"nx", b"incr", b"inf", b"-inf"]), members),
    variadic(b"ZREM", [keys], members, min_size=0),
    command(b"ZREMRANGEBYRANK", keys, ranks, ranks),
    command(b"ZREMRANGEBYSCORE", keys, low_scores, high_scores),
    command(b"ZREMRANGEBYLEX", keys, low_lex, high_lex),
    command(b"ZRANGESTORE", keys, keys, ranks, ranks),
    command(b"ZRANGESTORE", keys, keys, score_bounds, score_bounds, st.just(b"BYSCORE")),
)
fresh_string = st.tuples(keys, values).map(lambda t: [[b"DEL", t[0]], [b"SET", t[0], t[1]]])
"""SET on a key that holds nothing (SET over a sorted set is the strings' suite's)."""
a_set = st.tuples(keys, st.lists(st.one_of(members, ints_text), min_size=1, max_size=4)).map(
    lambda t: [[b"DEL", t[0]], [b"SADD", t[0], *t[1]]]
)
"""A set (score 1 in the set algebra; WRONGTYPE for the other sorted set commands)."""
others = st.one_of(
    command(b"GET", keys),
    variadic(b"DEL", [keys], keys),
    command(b"TYPE", keys),
    command(b"EXPIRE", keys, st.sampled_from([b"100", b"0"])),
)
"""Other types' commands on the same keys."""
wrong_arity = st.sampled_from(
    [
        [b"ZADD", b"k1"],
        [b"ZSCORE", b"k1"],
        [b"ZRANGE", b"k1", b"0"],
        [b"ZCARD"],
        [b"ZPOPMIN"],
        [b"ZUNIONSTORE", b"d", b"1"],
        [b"ZMPOP", b"1", b"k1"],
        [b"ZINCRBY", b"k1", b"1"],
        [b"ZRANGEBYLEX", b"k1", b"-"],
        [b"ZREMRANGEBYRANK", b"k1", b"0", b"1", b"2"],
    ]
)
small_commands = st.one_of(
    *(zadd, zadd, writers, readers, readers, range_command, range_command, lex_command),
    *(store_command, read_algebra, pops, others, wrong_arity),
)
setup = st.lists(
    st.lists(st.tuples(good_scores, members), min_size=1, max_size=8), min_size=3, max_size=3
).map(
    lambda sets: [
        [b"ZADD", key, *[a for pair in pairs for a in pair]]
        for key, pairs in zip(KEYS, sets, strict=False)
    ]
)
"""A few sorted sets to start from."""
single = small_commands.map(lambda c: [c])
small_steps = st.one_of(single, single, single, single, single, single, fresh_string, a_set)


def flat(steps: list[list[list[bytes]]]) -> list[list[bytes]]:
    return [command for step in steps for command in step]


def random_draws(command: Command, reply: bytes) -> bytes:
    """ZRANDMEMBER's draws differ (each side its own random source): an array keeps
    its length, a member becomes any member; errors, nil and empty stay exact. ZSCAN of
    a set SORT turned into a skiplist walks Redis's hash table: its pairs are sorted."""
    name = command[0].upper()
    if name == b"ZSCAN" and reply.startswith(b"*2\r\n"):
        cursor, batch = array_items(reply)
        return b"*2\r\n" + cursor + sorted_pairs(batch)
    if name != b"ZRANDMEMBER" or reply in (b"*0\r\n", b"$-1\r\n"):
        return reply
    if reply.startswith(b"*"):
        return reply[: reply.index(b"\r\n")]
    return b"$member" if reply.startswith(b"$") else reply


def encodings_match(diff: Differential) -> None:
    """Every sorted set has the encoding Redis gave it (OBJECT ENCODING)."""
    data = diff.machine.machine._context.keyspace.data
    for item in array_items(diff.oracle.call([b"KEYS", b"*"])):
        key = item[item.index(b"\r\n") + 2 : -2]
        value = data.get(key)
        if isinstance(value, ZSetValue):
            theirs = diff.oracle.call([b"OBJECT", b"ENCODING", key])
            assert theirs == b"$%d\r\n%s\r\n" % (len(value.ENCODING), value.ENCODING), key


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(setup, st.lists(small_steps, min_size=10, max_size=30))
def test_small_sorted_sets_match_redis(
    diff: Differential, start: list[list[bytes]], steps: list[list[list[bytes]]]
) -> None:
    same_behaviour(diff, start + flat(steps), random_draws)
    encodings_match(diff)


def _bulk_add(draw: st.DrawFn) -> list[bytes]:
    """A ZADD of many members (past 128, or one over 64 bytes): Redis's skiplist."""
    count = draw(st.integers(min_value=1, max_value=140))
    start = draw(st.integers(min_value=0, max_value=50))
    key = draw(keys)
    same = draw(st.booleans())
    pairs: list[bytes] = []
    for i in range(start, start + count):
        score = b"0" if same else draw(st.sampled_from([b"%d" % (i % 17), b"%d.5" % i, b"-1"]))
        pairs += [score, b"m%03d" % i]
    if draw(st.booleans()):
        pairs += [b"2", b"long" * 17]
    return [b"ZADD", key, *pairs]


bulk_add = st.composite(_bulk_add)()
big_ranges = st.tuples(
    st.sampled_from([b"ZRANGE", b"ZREVRANGE", b"ZRANGEBYSCORE", b"ZREVRANGEBYSCORE"]),
    keys,
    st.one_of(ranks, score_bounds, st.sampled_from([b"10", b"-20", b"130", b"(7", b"9.5"])),
    st.one_of(ranks, score_bounds, st.sampled_from([b"10", b"-20", b"130", b"(7", b"9.5"])),
    range_options.filter(lambda o: b"BYLEX" not in o),
).map(lambda t: [t[0], t[1], t[2], t[3], *t[4]])
big_members = st.one_of(members, st.integers(0, 200).map(lambda i: b"m%03d" % i))
big_commands = st.one_of(
    bulk_add,
    command(b"ZADD", keys, scores, big_members),
    command(b"ZINCRBY", keys, scores, big_members),
    variadic(b"ZREM", [keys], big_members, min_size=1),
    command(b"ZSCORE", keys, big_members),
    command(b"ZRANK", keys, big_members),
    command(b"ZREVRANK", keys, big_members),
    command(b"ZCARD", keys),
    command(b"ZCOUNT", keys, low_scores, high_scores),
    big_ranges,
    command(b"ZREMRANGEBYRANK", keys, ranks, ranks),
    command(b"ZREMRANGEBYSCORE", keys, low_scores, high_scores),
    store_command,
    command(b"ZRANGESTORE", keys, keys, ranks, ranks),
    pops,
    command(b"DEL", keys),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences(big_commands, max_size=15))
def test_large_sorted_sets_match_redis(diff: Differential, commands: list[list[bytes]]) -> None:
    same_behaviour(diff, commands)
    encodings_match(diff)


equal_scores = st.one_of(
    st.integers(0, 200).map(lambda i: [b"ZADD", b"lex", b"0", b"m%03d" % i]),
    st.just([b"ZADD", b"lex", *[x for i in range(140) for x in (b"0", b"m%03d" % (2 * i))]]),
    st.tuples(
        st.sampled_from([b"ZRANGEBYLEX", b"ZREVRANGEBYLEX", b"ZLEXCOUNT", b"ZREMRANGEBYLEX"]),
        st.sampled_from([b"-", b"+", b"[m050", b"(m100", b"[m2", b"(m", b"[m999"]),
        st.sampled_from([b"-", b"+", b"[m050", b"(m100", b"[m2", b"(m", b"[m999"]),
    ).map(lambda t: [t[0], b"lex", t[1], t[2]]),
    st.sampled_from(
        [
            [b"ZRANGEBYLEX", b"lex", b"-", b"+", b"LIMIT", b"5", b"10"],
            [b"ZREVRANGEBYLEX", b"lex", b"+", b"-", b"LIMIT", b"3", b"4"],
        ]
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences(equal_scores, max_size=10))
def test_lex_ranges_of_large_sets_match_redis(
    diff: Differential, commands: list[list[bytes]]
) -> None:
    same_behaviour(diff, commands)
    encodings_match(diff)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(scores, not_numbers), min_size=1, max_size=6))
def test_scores_are_parsed_and_written_like_redis(diff: Differential, texts: list[bytes]) -> None:
    commands = [[b"ZADD", b"k1", text, b"m%d" % i] for i, text in enumerate(texts)]
    commands += [[b"ZINCRBY", b"k1", text, b"m0"] for text in texts]
    commands += [[b"ZRANGE", b"k1", b"0", b"-1", b"WITHSCORES"], [b"ZSCAN", b"k1", b"0"]]
    commands += [[b"ZCOUNT", b"k1", text, b"+inf"] for text in texts]
    same_behaviour(diff, commands)


sorts = st.one_of(
    command(b"SORT", keys, st.sampled_from([b"ALPHA", b"DESC", b"LIMIT", b"STORE"])),
    command(b"SORT_RO", keys, st.just(b"BY"), st.just(b"nosort")),
    command(b"SORT", keys, st.just(b"BY"), st.just(b"nosort"), st.just(b"DESC")),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    setup,
    st.lists(
        st.one_of(sorts, readers, zadd, command(b"OBJECT", st.just(b"ENCODING"), keys)), max_size=8
    ),
)
def test_sort_of_sorted_sets_matches_redis(
    diff: Differential, start: list[list[bytes]], commands: list[list[bytes]]
) -> None:
    """SORT reads a sorted set by score, and (as Redis 7.0) turns it into a skiplist."""
    same_behaviour(
        diff, start + [c for c in commands if c[0] != b"ZSCAN" or c[2] == b"0"], random_draws
    )
    encodings_match(diff)
