"""Topology events on ``__rabia__:topology``: peers down and up, quorum lost and restored."""

from __future__ import annotations

import time

import redis

from tests.e2e.cluster import free_ports
from tests.e2e.test_cluster import MakeCluster


def _next(sub: redis.client.PubSub, wanted: str, timeout: float = 30) -> list[str]:
    """Messages up to and including ``wanted`` (bounded wait)."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = sub.get_message(timeout=0.5)
        if message is not None and message["type"] == "message":
            seen.append(message["data"].decode())
            if seen[-1] == wanted:
                return seen
    raise AssertionError(f"{wanted!r} not published within {timeout}s; saw {seen}")


def test_node_publishes_peer_and_quorum_changes(make_cluster: MakeCluster) -> None:
    resp_ports = free_ports(3)
    cluster = make_cluster(
        "rabia.kv:KVMachine",
        extra_args={i: ["--resp", f"127.0.0.1:{resp_ports[i]}"] for i in range(3)},
    )
    cluster.start()
    client = redis.Redis(host="127.0.0.1", port=resp_ports[0])
    sub = client.pubsub()
    try:
        sub.subscribe("__rabia__:topology")
        assert client.set("k", "v")
        # Both of node 0's links must be up before one can be seen going down.
        deadline = time.monotonic() + 30
        while client.info().get("connected_peers") != 2:
            assert time.monotonic() < deadline, "node 0 never connected to both peers"
            time.sleep(0.05)
        cluster.kill(2)
        assert "peer-down 2" in _next(sub, "peer-down 2")
        cluster.kill(1)
        assert _next(sub, "quorum-lost")[-2:] == ["peer-down 1", "quorum-lost"]
        cluster.start(1)
        assert _next(sub, "quorum-restored")[-2:] == ["peer-up 1", "quorum-restored"]
        assert client.get("k") == b"v"
    finally:
        sub.close()
        client.close()
