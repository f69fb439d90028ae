"""Every command the RESP server supports, at every node of one `rabia up` cluster, through
redis-py, redis-py's asyncio client and redis-cli: a module per command family
(test_strings_and_keys, test_connection, test_transactions, test_limits,
test_leases_and_elections) and per client used as people use it (test_redis_py,
test_redis_cli); test_every_command checks that these modules name every command.

One cluster serves the whole folder (started with small key/value/keyspace limits, so
the limit errors are reachable; tests/conftest.py keeps the folder on one pytest-xdist
worker); each test starts from an empty keyspace. A write at one node is read back at
the others: reads go through the log, so they see every write acknowledged before them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.e2e.redis_clients.steps import MAX_KEY, MAX_KEYS, MAX_VALUE, NODES
from tests.e2e.redis_up import KINDS, Conn, RabiaUp, close_conns, open_conns, require_redis_cli


@pytest.fixture(scope="package")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabiaUp]:
    limits = ["--max-key-size", str(MAX_KEY), "--max-value-size", str(MAX_VALUE)]
    up = RabiaUp(tmp_path_factory.mktemp("up"), NODES, [*limits, "--max-keys", str(MAX_KEYS)])
    up.start()
    try:
        yield up
    finally:
        up.assert_clean_stop()


@pytest.fixture(autouse=True)
def empty(cluster: RabiaUp) -> None:
    """Each test starts from an empty keyspace (and checks that FLUSHDB reached all)."""
    clients = [redis.Redis(port=p, protocol=2) for p in cluster.ports]
    try:
        assert clients[0].flushdb()
        assert [c.dbsize() for c in clients] == [0] * NODES
    finally:
        for c in clients:
            c.close()


@pytest.fixture(params=KINDS)
def conns(request: pytest.FixtureRequest, cluster: RabiaUp) -> Iterator[list[Conn]]:
    """One connection per node, of each client kind in turn."""
    opened = open_conns(request.param, cluster.ports, require_redis_cli)
    try:
        yield opened
    finally:
        close_conns(opened)
