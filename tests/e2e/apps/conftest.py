"""Fixtures of the application suites: one `rabia up` cluster per module, and a cluster
of node processes that can be killed for the runs under a node failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.apps.support import KillableCluster, killable_cluster
from tests.e2e.redis_up import RabiaUp


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabiaUp]:
    """`rabia up` with three nodes, shared by the tests of a module."""
    cluster = RabiaUp(tmp_path_factory.mktemp("up"))
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.assert_clean_stop()


@pytest.fixture
def killable(tmp_path: Path) -> Iterator[KillableCluster]:
    """Three node processes, for a run while one of them is killed and restarted."""
    with killable_cluster(tmp_path) as cluster:
        yield cluster
