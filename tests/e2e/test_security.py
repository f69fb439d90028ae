"""Secure by default (issue 15): what a node run with ``--insecure`` tells its operator.

The refusals themselves: tests/cli/test_node.py (a node bound beyond loopback without a
secret or password refuses to start), tests/runtime/test_client_server.py (an outsider on
the client port), tests/e2e/test_peer_port.py (an outsider on the peer port, including a
member's id with a wrong secret that must not take over the real link).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from rabia.client import Client
from tests.e2e.cluster import ProcessCluster

MakeCluster = Callable[..., ProcessCluster]


def test_insecure_is_logged_loudly_and_shown_in_status(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(extra_args={0: ["--insecure"]})
    cluster.start()
    log = cluster.wait_for_log(0, "INSECURE", timeout=10)
    line = next(line for line in log.splitlines() if "INSECURE" in line)
    assert "WARNING" in line and "anyone" in line, line

    async def statuses() -> list[object]:
        out = []
        for address in cluster.addresses():
            async with Client([address], timeout=10) as client:
                out.append((await client.status())["insecure"])
        return out

    assert asyncio.run(statuses()) == [1, 0, 0]
    assert "INSECURE" not in cluster.nodes[1].log()
