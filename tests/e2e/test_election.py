"""Lease-based leader election on real processes: kill -9 the holder, again and again.

Candidates are ``examples/leader_election.py`` processes; each prints the interval in
which it believes it leads (monotonic clock, one machine). Checks: after each kill a new
holder with a larger term takes over, belief intervals of different terms never overlap,
and every node reports the same holder changes in the same commit order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

from rabia.kv.client import KVClient, WatchEvent
from tests.e2e.cluster import ROOT, ProcessCluster, free_ports
from tests.e2e.test_cluster import MakeCluster

KILLS = int(os.environ.get("ELECTION_KILLS", "4"))
TTL = 1.0


class Candidate:
    def __init__(self, name: str, nodes: list[str]) -> None:
        self.name = name
        self.records: list[dict[str, object]] = []
        self.changed = threading.Condition()
        self.process = subprocess.Popen(
            [
                *(sys.executable, str(ROOT / "examples" / "leader_election.py"), name),
                *("--nodes", ",".join(nodes), "--name", "e2e", "--ttl", str(TTL)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("{"):
                with self.changed:
                    self.records.append(json.loads(line))
                    self.changed.notify_all()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def _leader(candidates: list[Candidate], after_term: int, timeout: float) -> Candidate:
    """The live candidate that reports a term above ``after_term`` (bounded wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for c in candidates:
            if c.process.poll() is None and any(
                int(str(r.get("term", 0))) > after_term for r in list(c.records)
            ):
                return c
        with candidates[0].changed:
            candidates[0].changed.wait(0.05)
    raise AssertionError(f"no new leader after term {after_term} within {timeout}s")


def _intervals(candidates: list[Candidate]) -> Iterator[tuple[int, float, float]]:
    for c in candidates:
        terms: dict[int, tuple[float, float]] = {}
        for r in c.records:
            if "term" in r:
                term = int(str(r["term"]))
                start, end = float(str(r["valid_from"])), float(str(r["valid_until"]))
                low, high = terms.get(term, (start, end))
                terms[term] = (min(low, start), max(high, end))
        for term, (low, high) in terms.items():
            yield term, low, high


def test_leader_is_replaced_after_each_kill_and_never_two_at_once(
    make_cluster: MakeCluster, tmp_path: Path
) -> None:
    resp_ports = free_ports(3)
    cluster: ProcessCluster = make_cluster(
        "rabia.kv:KVMachine",
        extra_args={i: ["--resp", f"127.0.0.1:{resp_ports[i]}"] for i in range(3)},
    )
    cluster.start()
    nodes = [f"127.0.0.1:{p}" for p in resp_ports]
    candidates = [Candidate(f"c{i}", nodes) for i in range(3)]
    try:
        term = 0
        for round_ in range(KILLS):
            leader = _leader(candidates, term, timeout=30)
            term = max(int(str(r["term"])) for r in leader.records if "term" in r)
            leader.kill()
            candidates.append(Candidate(f"c{3 + round_}", nodes))
        _leader(candidates, term, timeout=30)
    finally:
        for c in candidates:
            if c.process.poll() is None:
                c.kill()
    spans = sorted(_intervals(candidates))
    assert len(spans) >= KILLS + 1
    for (t1, _, end1), (t2, start2, _) in pairwise(spans):
        assert t2 > t1
        assert start2 >= end1, f"term {t2} began at {start2} before term {t1} ended at {end1}"
    # Every node saw the same holder changes in the same (commit) order.
    histories = [_election_events(node) for node in nodes]
    assert histories[0] == histories[1] == histories[2]
    sets = [e for e in histories[0] if e.event == b"set"]
    assert len(sets) >= KILLS + 1
    # Between two holders the key was removed (expired or deleted): never two at once.
    kinds = [e.event for e in histories[0]]
    assert all(a != b"set" or b != b"set" for a, b in pairwise(kinds))


def _election_events(node: str) -> list[WatchEvent]:
    import asyncio

    async def read() -> list[WatchEvent]:
        client = KVClient([node])
        last = await client.execute("INCR", "e2e-fence")  # advances this node's log
        assert last
        out: list[WatchEvent] = []
        async for event in client.watch(b"", start_revision=1):
            if event.key == b"__election__:e2e":
                out.append(event)
            elif event.key == b"e2e-fence":
                break
        await client.close()
        return out

    # The fence write comes after every election change; its event ends the read.
    return asyncio.run(asyncio.wait_for(read(), 30))
