"""Commands of every type spread over the nodes of a real 3-node cluster (the default
`rabia up`: read-only commands through the read barrier, ADR 0017), against
redis-server: every reply, and every node's final keyspace, equal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.cluster import (
    ClusterSide,
    pipeline_reads_own_writes,
    same_behaviour_on_cluster,
    start_cluster,
)
from tests.differential.cluster_events import EventTap
from tests.differential.oracle import RedisOracle
from tests.differential.strategies import sequences
from tests.differential.test_hashes import hash_commands
from tests.differential.test_lists import list_commands
from tests.differential.test_sets import set_commands
from tests.differential.test_streams import entry_commands as stream_commands
from tests.differential.test_strings_and_keys import key_commands, string_commands
from tests.differential.test_zsets import small_commands as zset_commands
from tests.e2e.redis_up import RabiaUp

NOT_HERE = frozenset([b"SPOP", b"SRANDMEMBER", b"HRANDFIELD", b"SSCAN", b"HSCAN"])
"""Commands whose replies their own suites compare with a custom normalization (random
draws, scan batches): left out of the cluster mix."""


def _same_anywhere(command: list[bytes]) -> bool:
    """Not a random draw or scan batch, no ``*`` stream ID (from each side's clock), and
    no OBJECT ENCODING: a string's is Redis's only as a plain SET leaves it (docs/kv.md,
    "OBJECT"; Redis says ``raw`` after APPEND or SETRANGE), and the mix changes strings
    every way. The type suites compare encodings where they are defined."""
    name = command[0].upper()
    if name in NOT_HERE:
        return False
    if name == b"OBJECT" and len(command) > 1 and command[1].upper() == b"ENCODING":
        return False
    return not (name == b"XADD" and any(a.endswith(b"*") for a in command[2:]))


every_type = st.one_of(
    string_commands,
    key_commands,
    hash_commands,
    list_commands,
    set_commands,
    zset_commands,
    stream_commands,
).filter(_same_anywhere)
"""Each type's suite contributes its command strategy here."""


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabiaUp]:
    cluster = start_cluster(Path(tmp_path_factory.mktemp("differential-cluster")))
    try:
        yield cluster
    finally:
        cluster.assert_clean_stop()


@pytest.fixture(scope="module")
def cluster(up: RabiaUp) -> Iterator[ClusterSide]:
    side = ClusterSide(up)
    try:
        yield side
    finally:
        side.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences(every_type, max_size=20))
def test_a_cluster_answers_as_redis_does(
    cluster: ClusterSide, oracle: RedisOracle, commands: list[list[bytes]]
) -> None:
    same_behaviour_on_cluster(cluster, oracle, commands)


EVENTFUL = [
    "SET s hello",
    "SETRANGE s 2 XY",
    "INCRBYFLOAT f 1.5",
    "SETBIT b 7 1",
    "HSET h a 1 b 2",
    "HINCRBY h a 5",
    "HDEL h b",
    "RPUSH l a b c d",
    "LPUSH l z",
    "LSET l 0 y",
    "LINSERT l BEFORE c x",
    "LREM l 1 x",
    "LTRIM l 0 2",
    "LMOVE l l2 LEFT RIGHT",
    "LMPOP 1 l RIGHT COUNT 1",
    "BLPOP l 0",
    "BRPOPLPUSH l2 l 0",
    "SADD s1 a b c",
    "SADD s2 b c d",
    "SREM s1 a",
    "SMOVE s1 s2 b",
    "SINTERSTORE s3 s1 s2",
    "SUNIONSTORE s4 s1 s2",
    "ZADD z 1 a 2 b 3 c",
    "ZINCRBY z 2 a",
    "ZREM z b",
    "ZPOPMIN z",
    "BZPOPMAX z 0",
    "ZADD z 5 q",
    "ZUNIONSTORE z2 1 z",
    "XADD x 1-1 f v",
    "XADD x 2-1 f w",
    "XGROUP CREATE x g 0",
    "XREADGROUP GROUP g c COUNT 1 STREAMS x >",
    "XDEL x 2-1",
    "XTRIM x MAXLEN 0",
    "XGROUP DELCONSUMER x g c",
    "RENAME h h2",
    "COPY s1 s5",
    "EXPIRE s4 1000",
    "PERSIST s4",
    "DEL s2 z2",
    "UNLINK s3",
]
"""Writes of every type, each with its keyspace events."""


def test_events_arrive_in_commit_order_at_every_node(
    cluster: ClusterSide, oracle: RedisOracle
) -> None:
    oracle.reset()
    assert cluster.nodes[0].call([b"FLUSHDB"]) == b"+OK\r\n"
    assert oracle.call([b"CONFIG", b"SET", b"notify-keyspace-events", b"KEA"]) == b"+OK\r\n"
    taps = [EventTap(node.port) for node in cluster.nodes] + [EventTap(oracle.port)]
    try:
        for line in [*EVENTFUL, "SET events:end 1"]:
            command = line.encode().split()
            assert cluster.call(command) == oracle.call(command), line
        *at_nodes, at_redis = [tap.until_end() for tap in taps]
    finally:
        oracle.call([b"CONFIG", b"SET", b"notify-keyspace-events", b""])
        for tap in taps:
            tap.close()
    assert len(at_redis) > len(EVENTFUL)
    for index, events in enumerate(at_nodes):
        assert events == at_redis, f"node {index}: {events}\nredis: {at_redis}"


def test_a_pipeline_reads_its_own_writes_in_order(up: RabiaUp) -> None:
    """Pipelined writes and reads at one node: each GET sees its connection's write
    before it and not the one after it (the reads are barrier reads)."""
    status = pipeline_reads_own_writes(up, 1, rounds=20)
    released = status["reads_released"]
    assert isinstance(released, int) and released >= 40
