"""Pinned scenarios for the pitfalls of section C of the protocol document.

Each scenario is scripted message by message. The core passes it; the test-only switch
that re-introduces the bug makes the same schedule break agreement or hang.
"""

from __future__ import annotations

from rabia.core import (
    Decision,
    Proposal,
    Request,
    State,
    UnsafeSwitches,
    Vote,
    common_coin,
)
from tests.core.scripted import InFlight, ScriptedCluster

SEED_COIN0 = 0  # common_coin(0, 0, 0, phase) == 0 for phases 1..5
SEED_COIN1 = 2  # common_coin(2, 0, 0, 1) == 1


def msg(kind: type, src: int | None = None, dst: int | None = None):  # type: ignore[no-untyped-def]
    def pred(m: InFlight) -> bool:
        return (
            isinstance(m.message, kind)
            and (src is None or m.src == src)
            and (dst is None or m.dst == dst)
        )

    return pred


def among(nodes: set[int]):  # type: ignore[no-untyped-def]
    return lambda m: m.src in nodes and m.dst in nodes


def test_coin_seeds_used_below() -> None:
    assert [common_coin(SEED_COIN0, 0, 0, p) for p in (1, 2)] == [0, 0]
    assert common_coin(SEED_COIN1, 0, 0, 1) == 1


# ----------------------------------------------------------------------- C6
def _c6(unsafe: UnsafeSwitches) -> ScriptedCluster:
    """n=3, states A=1, B=1, C=0: A sees {1,1}; B and C see {1,0} and flip coin 0."""
    c = ScriptedCluster(3, seed=SEED_COIN0, unsafe=unsafe)
    A, B, C = 0, 1, 2
    c.submit(A, b"m", client=1)
    c.submit(C, b"x", client=2)
    c.drop(msg(Request, C))
    c.deliver(msg(Request, A, B))  # B proposes m
    c.drop(msg(Request))
    c.deliver(msg(Proposal, B, A))  # A: {m, m} -> 1
    c.deliver(msg(Proposal, A, B))  # B: {m, m} -> 1
    c.deliver(msg(Proposal, A, C))  # C: {x, m} -> 0
    c.deliver(msg(State, B, A))  # A: {1, 1}
    c.deliver(msg(State, C, B))  # B: {1, 0} -> ?
    c.deliver(msg(State, A, C))  # C: {0, 1} -> ?
    # B and C finish among themselves; A's messages reach them only afterwards.
    c.deliver(among({B, C}))
    c.settle(50)
    return c


def test_c6_round1_fast_path_is_not_taken() -> None:
    c = _c6(UnsafeSwitches())
    logs = c.logs()
    assert logs[0] == logs[1] == logs[2]
    assert all(len(log) >= 1 for log in logs.values())


def test_c6_unsafe_round1_fast_path_breaks_agreement() -> None:
    c = _c6(UnsafeSwitches(round1_fast_path=True))
    first = {i: n.decided[0].batch_id for i, n in c.nodes.items() if n.decided}
    assert first[0] is not None  # A decided the batch in round 1 ...
    assert first[1] is None and first[2] is None  # ... B and C decided NULL


# ----------------------------------------------------------------------- C2
def _c2(unsafe: UnsafeSwitches) -> ScriptedCluster:
    """n=5: A,B,C propose m, D x, E y; B's proposal reaches only A; A crashes; coin 1."""
    c = ScriptedCluster(5, seed=SEED_COIN1, unsafe=unsafe)
    A, B, C, D, E = range(5)
    c.submit(D, b"x", client=4)
    c.submit(E, b"y", client=5)
    m = c.submit(A, b"m", client=1)
    c.deliver(lambda f: isinstance(f.message, Request) and f.src == A and f.dst in (B, C))
    c.drop(msg(Request))
    c.deliver(msg(Proposal, B, A))
    c.drop(msg(Proposal, B))
    c.crash(B)
    c.deliver(msg(Proposal, C, A))  # A: {m, m, m} -> 1
    c.deliver(lambda f: isinstance(f.message, Proposal) and f.dst == C and f.src in (A, D))
    c.deliver(lambda f: isinstance(f.message, Proposal) and f.dst == D and f.src in (A, C))
    c.deliver(lambda f: isinstance(f.message, Proposal) and f.dst == E and f.src in (A, C))
    # Every replica's first three states include A's 1: all vote '?'.
    for dst, srcs in ((A, (C, D)), (C, (A, D)), (D, (A, C)), (E, (A, C))):
        c.deliver(
            lambda f, d=dst, s=srcs: isinstance(f.message, State) and f.dst == d and f.src in s
        )
    c.crash(A)
    c.settle(300)
    c.mbatch = m  # type: ignore[attr-defined]
    return c


def test_c2_candidate_id_lets_survivors_output() -> None:
    c = _c2(UnsafeSwitches())
    logs = c.logs()
    assert set(logs) == {2, 3, 4}
    assert logs[2] == logs[3] == logs[4]
    assert logs[2][0] == c.mbatch.id  # type: ignore[attr-defined]


def test_c2_without_candidate_the_slot_hangs() -> None:
    c = _c2(UnsafeSwitches(no_candidate=True))
    assert all(not n.log for n in c.nodes.values())
    assert any(n.replica.in_slot for n in c.nodes.values() if n.up)


# ----------------------------------------------------------------------- C3
def _c3(unsafe: UnsafeSwitches) -> ScriptedCluster:
    """n=3: A sees {m,m}, B {m,x}, C {x,m}; A crashes after the coin pushes B, C to 1."""
    c = ScriptedCluster(3, seed=SEED_COIN1, unsafe=unsafe)
    A, B, C = 0, 1, 2
    c.submit(C, b"x", client=3)
    m = c.submit(A, b"m", client=1)
    c.deliver(msg(Request, A, B))  # B proposes m
    c.drop(msg(Request))
    c.deliver(msg(Proposal, B, A))  # A {m, m}
    c.deliver(msg(Proposal, C, B))  # B {m, x}
    c.deliver(msg(Proposal, A, C))  # C {x, m}
    c.deliver(msg(State, A, B))  # B {0, 1} -> ?
    c.deliver(msg(State, A, C))  # C {0, 1} -> ?
    c.crash(A)
    c.settle(300)
    c.mbatch = m  # type: ignore[attr-defined]
    return c


def test_c3_late_proposals_are_kept_and_the_slot_finishes() -> None:
    c = _c3(UnsafeSwitches())
    logs = c.logs()
    assert logs[1] == logs[2] and logs[1][0] == c.mbatch.id  # type: ignore[attr-defined]


def test_c3_go_proposal_handling_hangs() -> None:
    c = _c3(UnsafeSwitches(no_candidate=True, drop_late_proposals=True))
    assert not c.nodes[1].log and not c.nodes[2].log
    assert c.nodes[1].replica.in_slot and c.nodes[2].replica.in_slot


# ----------------------------------------------------------------------- C4
def _c4(unsafe: UnsafeSwitches) -> ScriptedCluster:
    """n=3: the proxy crashes mid-broadcast; its REQ reaches one replica only."""
    c = ScriptedCluster(3, unsafe=unsafe)
    c.submit(0, b"m")
    c.deliver(msg(Request, 0, 1))
    c.drop(lambda f: f.src == 0)  # the rest of the broadcast never left
    c.crash(0)
    c.settle(300)
    return c


def test_c4_idle_replica_joins_the_slot() -> None:
    c = _c4(UnsafeSwitches())
    logs = c.logs()
    assert logs[1] == logs[2] and len(logs[1]) == 1 and logs[1][0] is not None


def test_c4_idle_replica_that_never_joins_hangs() -> None:
    c = _c4(UnsafeSwitches(idle_never_joins=True))
    assert not c.nodes[1].log and c.nodes[1].replica.in_slot


# ------------------------------------------------------------ decision forwarding
def test_straggler_learns_decision_by_resending() -> None:
    c = ScriptedCluster(3)
    c.submit(0)
    c.deliver(among({0, 1}))
    c.drop(lambda f: f.dst == 2 and not isinstance(f.message, Request))
    assert c.nodes[0].log and c.nodes[1].log and not c.nodes[2].log
    c.settle(100)
    assert c.logs()[2] == c.logs()[0]
    assert any(isinstance(f.message, Decision) and f.dst == 2 for f in c.sent)


def test_votes_of_one_phase_never_split() -> None:
    c = _c6(UnsafeSwitches())
    by_phase: dict[tuple[int, int], set[int]] = {}
    for f in c.sent:
        if isinstance(f.message, Vote) and f.message.vote != 2:
            by_phase.setdefault((f.message.slot, f.message.phase), set()).add(f.message.vote)
    assert by_phase and all(len(v) == 1 for v in by_phase.values())
