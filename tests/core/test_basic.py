"""The replica decides, agrees and takes the fast path on a quiet network."""

from __future__ import annotations

from tests.core.scripted import ScriptedCluster


def test_single_request_decides_on_fast_path_everywhere() -> None:
    cluster = ScriptedCluster(3)
    batch = cluster.submit(0)
    cluster.deliver()
    for node in cluster.nodes.values():
        assert [b.id for b in node.log if b] == [batch.id]
        assert node.decided[0].phase == 1 and node.decided[0].via in ("votes", "decision")
    assert any(n.decided[0].via == "votes" for n in cluster.nodes.values())


def test_many_requests_at_every_node_agree() -> None:
    cluster = ScriptedCluster(5)
    ids = set()
    for k in range(20):
        ids.add(cluster.submit(k % 5, seq=k, client=k).id)
        if k % 3 == 0:
            cluster.deliver()
    cluster.settle(50)
    logs = cluster.logs()
    first = logs[0]
    assert all(log == first for log in logs.values())
    assert {b for b in first if b is not None} == ids
