"""LEASE.* and ELECT.* at every node: every node names the same holder and term."""

from __future__ import annotations

from tests.e2e.redis_clients.steps import NODES, NOT_INT, E, arity, between
from tests.e2e.redis_up import Conn, matches


def test_leases_and_elections_at_every_node(conns: list[Conn]) -> None:
    for node, conn in enumerate(conns):
        lease = conn.call("LEASE.GRANT", 60_000)
        assert isinstance(lease, int) and lease > 0
        assert between(59_000, 60_000)(conns[(node + 1) % NODES].call("LEASE.TTL", lease))
        assert conn.call("LEASE.KEEPALIVE", lease) == 60_000
        won = conn.call("ELECT.CAMPAIGN", "job", f"cand{node}", lease)
        assert won[0] == 1 and won[1] > 0
        for other in conns:  # every node names the same holder and term
            assert matches([f"cand{node}", lease, won[1]], other.call("ELECT.LEADER", "job"))
        rival = conns[(node + 1) % NODES].call("LEASE.GRANT", 60_000)
        lost = conns[(node + 1) % NODES].call("ELECT.CAMPAIGN", "job", "rival", rival)
        assert matches([0, f"cand{node}", won[1]], lost)
        assert matches(
            E("ERR keys starting with '__election__:' are written only by ELECT.* and LEASE.*"),
            conn.call("SET", "__election__:job", "forged"),
        )
        assert conn.call("ELECT.RESIGN", "job", lease) == 1
        assert conn.call("ELECT.LEADER", "job") is None
        assert conn.call("LEASE.REVOKE", lease) == 1
        assert conn.call("LEASE.REVOKE", rival) == 1
        assert conn.call("LEASE.TTL", lease) == -2
        assert matches(
            E(f"NOLEASE lease {lease} not found or expired"), conn.call("LEASE.KEEPALIVE", lease)
        )
        assert matches(arity("lease.grant"), conn.call("LEASE.GRANT"))
        assert matches(NOT_INT, conn.call("ELECT.CAMPAIGN", "job", "x", "nope"))
