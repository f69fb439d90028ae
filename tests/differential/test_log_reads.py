"""A `rabia up --reads log` cluster against redis-server: every command, read-only ones
included, through the log (the other cluster suites run the default, barrier reads,
ADR 0017); every reply and every node's final keyspace equal redis-server's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.differential.cluster import (
    ClusterSide,
    pipeline_reads_own_writes,
    same_behaviour_on_cluster,
)
from tests.differential.oracle import RedisOracle
from tests.differential.strategies import sequences
from tests.differential.test_cluster import every_type
from tests.e2e.redis_up import RabiaUp


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabiaUp]:
    cluster = RabiaUp(Path(tmp_path_factory.mktemp("log-reads")), extra=["--reads", "log"])
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.assert_clean_stop()


@pytest.fixture(scope="module")
def log_cluster(up: RabiaUp) -> Iterator[ClusterSide]:
    side = ClusterSide(up)
    try:
        yield side
    finally:
        side.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences(every_type, max_size=20))
def test_log_reads_answer_as_redis_does(
    log_cluster: ClusterSide, oracle: RedisOracle, commands: list[list[bytes]]
) -> None:
    same_behaviour_on_cluster(log_cluster, oracle, commands)


def test_a_pipeline_reads_its_own_writes_through_the_log(up: RabiaUp) -> None:
    """Pipelined writes and reads at one node: each GET sees its connection's write
    before it and not the one after it, and no read goes through a barrier."""
    status = pipeline_reads_own_writes(up, 1, rounds=5)
    assert status["reads_released"] == 0, status
    assert status["barriers"] == 0, status
