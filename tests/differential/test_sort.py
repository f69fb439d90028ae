"""SORT and SORT_RO on lists and sets against redis-server: numeric and ALPHA orders, BY
and GET patterns over strings and hash fields, LIMIT, DESC, STORE.

Every element has its own distinct weight (``w_<element>`` and ``h_<element>``'s field
``f``): when two different elements tie under BY, Redis's order is whatever its partial
quicksort leaves, which rabia does not reproduce (a listed difference, docs/kv.md)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.check import same_behaviour
from tests.differential.oracle import Differential
from tests.differential.strategies import command, sequences, variadic

ALL = (st.just(b"0"), st.just(b"-1"))
sources = st.sampled_from([b"L", b"S", b"T"])
# No empty element: Redis reads one as 0 unless errno was left at ERANGE by an earlier
# conversion in its process, then it answers the conversion error (docs/kv.md); rabia
# always reads 0. An empty element sorted by its own value is pinned in tests/kv.
items = st.sampled_from([b"1", b"2", b"3", b"10", b"-4", b"2.5", b"a", b"b"])
patterns = st.sampled_from([b"w_*", b"h_*->f", b"w_*->f", b"nosort_*", b"#", b"w_"])
weights = st.sampled_from([b"w_*", b"h_*->f"])

ITEMS = [b"1", b"2", b"3", b"10", b"-4", b"2.5", b"a", b"b", b""]
WEIGHTS = [
    [b"MSET", *(x for i, item in enumerate(ITEMS) for x in (b"w_" + item, b"%d" % (7 * i % 9)))],
    *([b"HSET", b"h_" + item, b"f", b"w%d" % (5 * i % 9)] for i, item in enumerate(ITEMS)),
]
"""Distinct weights for every element, as strings and as hash fields."""

writers = st.one_of(
    variadic(b"RPUSH", [st.just(b"L"), items], items, max_size=4),
    variadic(b"SADD", [st.just(b"S"), items], items, max_size=4),
    command(b"SET", st.just(b"T"), items),
)


@st.composite
def sorts(draw: st.DrawFn) -> list[bytes]:
    name = draw(st.sampled_from([b"SORT", b"SORT_RO"]))
    args = [name, draw(sources)]
    if draw(st.booleans()):
        args += [b"BY", draw(weights)]
    if draw(st.booleans()):
        args += [
            b"LIMIT",
            draw(st.sampled_from([b"0", b"1", b"-1"])),
            draw(st.sampled_from([b"1", b"2", b"-1", b"x"])),
        ]
    for _ in range(draw(st.integers(0, 2))):
        args += [b"GET", draw(patterns)]
    args += draw(st.lists(st.sampled_from([b"DESC", b"ASC", b"ALPHA"]), max_size=2))
    if name == b"SORT" and draw(st.booleans()):
        args += [b"STORE", draw(st.sampled_from([b"D", b"L", b"S"]))]
    return args


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sequences(
        st.one_of(
            writers,
            writers,
            sorts(),
            command(b"LRANGE", st.just(b"D"), st.just(b"0"), st.just(b"-1")),
        )
    )
)
def test_sort_matches_redis(diff: Differential, commands: list[list[bytes]]) -> None:
    same_behaviour(diff, WEIGHTS + commands)
