"""One run: start the cluster, load it while a nemesis strikes, heal, read, check.

Phases: fault phase (``duration`` seconds of load and faults), heal everything, wait
until every node serves, ``recovery`` seconds more of load, stop the clients, final reads
at every node, then compare every node's log and state hashes. The run's directory keeps
``history.jsonl``, ``nemesis.jsonl``, ``result.json`` and the node logs.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rabia.kv.reads import DEFAULT_READS
from rabia.runtime.addresses import parse_address
from rabia.testing.nemesis.catalog import WORKLOADS
from rabia.testing.nemesis.checks import Check
from rabia.testing.nemesis.clients import RequestFailed, RespClient
from rabia.testing.nemesis.cluster import NemesisCluster
from rabia.testing.nemesis.faults import NEMESES, FaultLog
from rabia.testing.nemesis.history import History
from rabia.testing.nemesis.linearizable import CheckerMissing, check_history
from rabia.testing.nemesis.workloads import Context, Workload

ROTATE = "rotate"
BROKEN_TIMEOUT = 5.0
"""Seconds each later phase waits at most once the healed cluster failed to serve."""


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run (its choices all derive from ``seed``)."""

    seed: int
    nemesis: str
    workload: str
    duration: float = 20.0
    nodes: int = 3
    unsafe: tuple[str, ...] = ()
    """Deliberately broken builds the nodes run (``rabia.runtime.unsafe``)."""
    durability: str = "always"
    """The nodes' ``--durability`` (the harness's kills are process crashes: the OS keeps
    what every mode wrote, so acknowledged writes must survive in each, ADR 0010)."""
    reads: str = DEFAULT_READS
    """The nodes' ``--reads``: read-only commands through the log or a read barrier."""
    clients_per_node: int = 2
    think: float = 0.05
    """Mean seconds between two operations of a client."""
    timeout: float = 2.0
    """Seconds before a request's outcome is unknown."""
    sticky: bool = False
    """RESP clients stay on their node after failures (default: move to the next)."""
    recovery: float = 2.0
    heal_timeout: float = 30.0
    """Seconds the healed cluster has to serve at every node, drain, and converge."""
    checker_timeout: float = 60.0

    def replay(self) -> str:
        """The command that runs this configuration again."""
        unsafe = "".join(f" --unsafe {name}" for name in self.unsafe)
        durability = "" if self.durability == "always" else f" --durability {self.durability}"
        durability += "" if self.reads == DEFAULT_READS else f" --reads {self.reads}"
        return (
            f"rabia jepsen --runs 1 --seed {self.seed} --nemesis {self.nemesis} "
            f"--workload {self.workload} --duration {self.duration:g} --nodes {self.nodes}"
            f"{durability}{unsafe}"
        )


def plan(runs: int, seed: int, nemesis: str, workload: str, **options: Any) -> list[RunConfig]:
    """Run k uses seed ``seed + k``; ``rotate`` draws the nemesis or workload from it."""
    configs = []
    for k in range(runs):
        rng = random.Random(seed + k)
        chosen_nemesis = rng.choice(sorted(NEMESES)) if nemesis == ROTATE else nemesis
        chosen_workload = rng.choice(sorted(WORKLOADS)) if workload == ROTATE else workload
        configs.append(RunConfig(seed + k, chosen_nemesis, chosen_workload, **options))
    return configs


@dataclass
class RunResult:
    """A run's counts and verdicts."""

    config: RunConfig
    directory: Path
    counts: dict[str, int] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    elapsed: float = 0.0
    error: str | None = None
    """The harness itself failed (e.g. a node would not start)."""

    @property
    def ok(self) -> bool:
        """No check failed and the harness ran to the end."""
        return self.error is None and all(check.ok is not False for check in self.checks)

    def failed(self) -> list[Check]:
        """The checks that found a violation."""
        return [check for check in self.checks if check.ok is False]

    def to_json(self) -> dict[str, Any]:
        """For ``result.json``."""
        return {
            "config": asdict(self.config),
            "ok": self.ok,
            "counts": self.counts,
            "checks": [asdict(check) for check in self.checks],
            "elapsed": round(self.elapsed, 3),
            "error": self.error,
            "replay": self.config.replay(),
        }


def run(config: RunConfig, directory: Path) -> RunResult:
    """Run ``config`` in a fresh event loop, writing into ``directory``."""
    return asyncio.run(execute(config, directory))


async def execute(config: RunConfig, directory: Path) -> RunResult:
    """Run ``config`` in ``directory`` (new or empty: data directories must start empty);
    never raises for a failing cluster (see ``RunResult.error``)."""
    if directory.exists() and any(directory.iterdir()):
        raise ValueError(f"{directory} is not empty: a run needs fresh data directories")
    started = time.monotonic()
    result = RunResult(config, directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(config.seed)
    history = History()
    faults = FaultLog(history.now)
    env = {"RABIA_UNSAFE": ",".join(config.unsafe), "RABIA_ALLOW_UNSAFE": "1"}
    cluster = NemesisCluster(
        directory,
        config.nodes,
        seed=config.seed,
        snapshot_every=rng.choice((64, 512, 4096)),
        env=env if config.unsafe else None,
        durability=config.durability,
        reads=config.reads,
    )
    ctx = Context(
        history,
        random.Random(rng.random()),
        cluster.resp_addresses,
        [parse_address(a) for a in cluster.client_addresses],
        timeout=config.timeout,
        think=config.think,
        sticky=config.sticky,
    )
    workload = WORKLOADS[config.workload](ctx)
    final_from = float("inf")
    try:
        limit = config.duration + config.recovery + 6 * config.heal_timeout
        final_from = await asyncio.wait_for(
            _phases(config, cluster, workload, faults, rng, result), limit
        )
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        await cluster.stop()
        history.write(directory / "history.jsonl")
        faults.write(directory / "nemesis.jsonl")
        errors = sorted(workload.errors.items(), key=lambda item: -item[1])
        (directory / "errors.txt").write_text("".join(f"{n}\t{e}\n" for e, n in errors))
    result.counts = history.counts()
    if result.error is None:
        result.checks += workload.check(final_from)
        result.checks.append(_linearizable(workload, directory, config.checker_timeout))
    result.checks.append(Check("no node crashed", not cluster.crashes, "; ".join(cluster.crashes)))
    result.elapsed = time.monotonic() - started
    (directory / "result.json").write_text(json.dumps(result.to_json(), indent=1) + "\n")
    return result


async def _phases(
    config: RunConfig,
    cluster: NemesisCluster,
    workload: Workload,
    faults: FaultLog,
    rng: random.Random,
    result: RunResult,
) -> float:
    """Fault phase, heal, recovery, final reads, hashes; returns when final reads began."""
    await cluster.start()
    stop_ops, stop_faults = asyncio.Event(), asyncio.Event()
    workers = [
        asyncio.create_task(workload.worker(i, stop_ops))
        for i in range(config.nodes * config.clients_per_node)
    ]
    nemesis = NEMESES[config.nemesis](cluster, random.Random(rng.random()), faults)
    striking = asyncio.create_task(nemesis.run(stop_faults))
    try:
        await asyncio.sleep(config.duration)  # the fault phase
        stop_faults.set()
        await striking
        faults.add("harness", "heal")
        await cluster.heal()
        serves = await _serves(cluster, config.heal_timeout)
        result.checks.append(serves)
        await asyncio.sleep(config.recovery)  # load on the healed cluster
    finally:
        stop_faults.set()
        stop_ops.set()
        await asyncio.gather(striking, *workers, return_exceptions=True)
    patience = config.heal_timeout
    if not serves.ok:  # it already failed: do not wait long for the rest
        patience = min(patience, BROKEN_TIMEOUT)
    result.checks.append(await _drained(cluster, patience))
    final_from = workload.history.now()
    failures = await workload.final_reads(asyncio.get_running_loop().time() + patience)
    result.checks.append(Check("final reads at every node", not failures, "; ".join(failures[:5])))
    result.checks.append(await _same_state(cluster, patience))
    return final_from


async def _serves(cluster: NemesisCluster, patience: float) -> Check:
    """Every node acknowledges a write within ``patience`` seconds of the heal."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + patience
    slow = []
    for node in range(cluster.n):
        client = RespClient(cluster.resp_addresses, node, timeout=2.0)
        while True:
            try:
                await client.call("SET", f"heal-probe:{node}", "1")
                break
            except RequestFailed:
                client = RespClient(cluster.resp_addresses, node, timeout=2.0)
                if loop.time() >= deadline:
                    slow.append(node)
                    break
                await asyncio.sleep(0.1)
        client.close()
    took = loop.time() - started
    if slow:
        return Check("serves after heal", False, f"nodes {slow} not serving {patience:g}s after")
    return Check("serves after heal", True, f"all nodes within {took:.1f}s")


async def _drained(cluster: NemesisCluster, patience: float) -> Check:
    """Every node has proposed and learned the fate of every command it was given (so
    nothing applies between the final reads of different nodes)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while True:
        statuses = await cluster.statuses()
        busy = [
            i
            for i, s in enumerate(statuses)
            if s is None or s.get("queued_commands") or s.get("batches_in_flight")
        ]
        if not busy:
            return Check("queues drain after heal", True)
        if loop.time() >= deadline:
            return Check("queues drain after heal", False, f"nodes {busy} still hold commands")
        await asyncio.sleep(0.1)


async def _same_state(cluster: NemesisCluster, patience: float) -> Check:
    """Once every node applied the same slot, their log and state hashes are equal."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while True:
        statuses = await cluster.statuses()
        slots = [None if s is None else s.get("applied_slot") for s in statuses]
        if None not in slots and len(set(slots)) == 1:
            break
        if loop.time() >= deadline:
            return Check("state hashes equal", False, f"applied slots never met: {slots}")
        await asyncio.sleep(0.1)
    logs = {str(s.get("log_hash")) for s in statuses if s is not None}
    states = {str(s.get("machine_hash")) for s in statuses if s is not None}
    if len(logs) == 1 and len(states) == 1:
        return Check("state hashes equal", True, f"at slot {slots[0]}")
    return Check(
        "state hashes equal",
        False,
        f"at slot {slots[0]}: {len(logs)} log hashes, {len(states)} state hashes",
    )


def _linearizable(workload: Workload, directory: Path, timeout: float) -> Check:
    if workload.model is None:
        return Check("linearizable", None, f"no checker model for {workload.name}")
    try:
        result = check_history(directory / "history.jsonl", workload.model, timeout=timeout)
    except CheckerMissing as exc:
        return Check("linearizable", None, str(exc))
    verdict = str(getattr(result, "verdict", result))
    ok = {"linearizable": True, "not linearizable": False}.get(verdict)
    return Check("linearizable", ok, verdict)
