"""Commands of every type spread over the nodes of a real 3-node cluster, against
redis-server: every reply, and every node's final keyspace, equal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.cluster import ClusterSide, same_behaviour_on_cluster, start_cluster
from tests.differential.oracle import RedisOracle
from tests.differential.strategies import sequences
from tests.differential.test_hashes import hash_commands
from tests.differential.test_sets import set_commands
from tests.differential.test_strings_and_keys import key_commands, string_commands
from tests.differential.test_zsets import small_commands as zset_commands

NOT_HERE = frozenset([b"SPOP", b"SRANDMEMBER", b"HRANDFIELD", b"SSCAN", b"HSCAN"])
"""Commands whose replies their own suites compare with a custom normalization (random
draws, scan batches): left out of the cluster mix."""

every_type = st.one_of(
    string_commands, key_commands, hash_commands, set_commands, zset_commands
).filter(lambda command: command[0].upper() not in NOT_HERE)
"""Each type's suite contributes its command strategy here."""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterSide]:
    up = start_cluster(Path(tmp_path_factory.mktemp("differential-cluster")))
    side = ClusterSide(up)
    try:
        yield side
    finally:
        side.close()
        up.assert_clean_stop()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences(every_type, max_size=20))
def test_a_cluster_answers_as_redis_does(
    cluster: ClusterSide, oracle: RedisOracle, commands: list[list[bytes]]
) -> None:
    same_behaviour_on_cluster(cluster, oracle, commands)
