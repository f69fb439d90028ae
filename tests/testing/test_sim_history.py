"""The simulated clients' history and its linearizability check
(``rabia.testing.sim_history``)."""

from __future__ import annotations

from rabia.core.messages import Command
from rabia.testing import run_seed
from rabia.testing.sim_history import SimHistory
from rabia.testing.workload import BarrierRead, append_op, read_op


def test_appends_and_both_kinds_of_read_become_operations() -> None:
    h = SimHistory()
    h.invoke(Command(1, 0, append_op(3, 1_000_000)), now=0)
    h.invoke(Command(2, 0, read_op(3)), now=5)
    h.invoke(BarrierRead(3, 0, 3), now=6)
    h.complete(1, 0, b"1", now=10)
    h.complete(2, 0, b"1000000", now=12)
    assert h.counts() == {"append": 1, "log-read": 1, "barrier-read": 0}
    ops = h.operations()
    assert [(o.process, o.f, o.input, o.output, o.ret) for o in ops] == [
        (1, "append", 1_000_000, 1, 10),
        (2, "read", None, (1_000_000,), 12),
        (3, "read", None, None, None),
    ]
    assert h.violation() is None


def test_a_stale_barrier_read_is_a_violation_naming_the_operations() -> None:
    h = SimHistory()
    h.invoke(Command(1, 0, append_op(0, 1_000_000)), now=0)
    h.complete(1, 0, b"1", now=10)
    h.invoke(BarrierRead(2, 0, 0), now=20)
    h.complete(2, 0, b"", now=30)
    found = h.violation()
    assert found is not None and found.startswith("linearizability: key 0")
    assert "client 2 barrier-read -> [] [20, 30]" in found


def test_every_run_checks_its_history() -> None:
    r = run_seed(7, nodes=3, ops=40)
    assert r.ok, r.violations
    assert sum(r.operations.values()) == 40
