"""A seeded discrete-event simulation of a Rabia cluster, checked online.

One integer seed drives everything: :func:`plan_faults` draws the fault schedule,
the :class:`~rabia.testing.network.Network` draws delays and losses, and
:func:`~rabia.testing.workload.make_clients` draws the clients, each from its own
``random.Random`` derived from the seed, so a run replays byte for byte. Time is
virtual (integer microseconds); events sit in a heap keyed by (time, insertion
order), and every live node ticks once per virtual millisecond.

A run has three parts:

1. **faults**: clients issue their operations while the planned faults (loss,
   duplication, jitter, partitions, crash-stop, crash-restart, pauses) strike;
2. **heal**: partitions and loss stop, crashed nodes restart, paused nodes resume;
   every client operation must then be acknowledged within ``ack_deadline_us``;
3. **quiescence**: ``quiet_us`` without new requests, after which every live replica
   must have decided the same slots, be idle, and hold the same applied log and state.

A :class:`~rabia.testing.invariants.SafetyMonitor` watches every Ready; the first
violation ends the run. See ``docs/simulator.md``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from rabia.core.config import Recovery, ReplicaConfig, UnsafeSwitches
from rabia.core.membership import Configuration
from rabia.core.messages import Command, Message, Proposal, Request, State, Vote
from rabia.testing.faults import FaultPlan, plan_faults
from rabia.testing.invariants import SafetyMonitor
from rabia.testing.network import partition_links
from rabia.testing.node import DOWN, PAUSED, STOPPED, UP, SimNode, check_quiescent, encode
from rabia.testing.reconfig import RETRY_US, SPARES, Reconfigurer, draw_reconfigs
from rabia.testing.storage import MemoryStorage, SyncMode
from rabia.testing.workload import Client, make_clients

TICK_US = 1_000
"""Virtual time between two ticks of a replica."""

# event kinds
_DELIVER, _ARRIVE, _REPLY, _ISSUE, _TIMEOUT, _FAULT = range(6)

_ARMED_KINDS = (Request, Proposal, State, Vote)
"""Messages whose copies count down an armed mid-broadcast crash."""


class _CrashNow(Exception):
    """Raised from inside a node's driver loop when its armed crash goes off."""


@dataclass(frozen=True, slots=True)
class SimResult:
    """The outcome of one seeded run."""

    seed: int
    nodes: int
    ops: int
    faults: str
    violations: list[str]
    slots: int
    """Slots decided (the live replicas' common ``next_slot``)."""
    fast_path: int
    """Slots first decided by votes in phase 1."""
    null_slots: int
    phases_mean: float
    """Mean over decided slots of the phase that first decided each (1 = fast path)."""
    phases_max: int
    phases_total: int
    """Sum of those phases (to aggregate means over runs)."""
    phase_slots: int
    """Slots counted in ``phases_mean``."""
    virtual_us: int
    trace_hash: str
    """sha256 over every delivered message and decision: equal runs, equal hash."""
    replay_command: str
    acked: int = 0
    delivered: int = 0
    plan: str = ""
    """A one-line description of the drawn faults."""
    fault_counts: dict[str, int] = field(default_factory=dict)
    """Faults that struck (a planned crash over the budget counts as ``skipped``)."""
    compact_every: int = 0
    """Slots between two snapshots of each node (0: no compaction in this run)."""
    installs: int = 0
    """Snapshots installed (sent by a peer, or the latest one on restart)."""
    transfers: int = 0
    """Of those, snapshots sent by a peer to a lagging replica."""
    reconfigs: int = 0
    """Membership changes submitted in this run."""
    epochs: int = 0
    """Membership changes that took effect (the final configuration's epoch)."""
    durability: str = "always"
    """The storage mode every node of the run used (what a crash keeps)."""
    lost_records: int = 0
    """Unsynced records that crashes threw away (always 0 under ``always``)."""
    cpu_seconds: float = field(default=0.0, compare=False)
    """CPU time the run took (not part of the replayable outcome)."""

    @property
    def ok(self) -> bool:
        """True when the run broke no invariant."""
        return not self.violations


class Cluster:
    """One simulated cluster; :meth:`run` plays it to the end and returns a :class:`SimResult`."""

    def __init__(
        self,
        seed: int,
        nodes: int = 3,
        ops: int = 60,
        faults: str = "swarm",
        unsafe: UnsafeSwitches | None = None,
        *,
        durability: SyncMode | None = None,
        ack_deadline_us: int = 5_000_000,
        quiet_us: int = 1_000_000,
        client_timeout_us: int = 300_000,
    ) -> None:
        if faults not in ("swarm", "none"):
            raise ValueError(f"faults must be 'swarm' or 'none', not {faults!r}")
        if durability is not None and faults != "swarm":
            raise ValueError("a forced durability mode needs swarm faults (crash-restarts)")
        self.seed = seed
        self.ops = ops
        self.faults = faults
        self.unsafe = unsafe if unsafe is not None else UnsafeSwitches()
        self.forced_durability = durability
        self.ack_deadline_us = ack_deadline_us
        self.quiet_us = quiet_us
        self.client_timeout_us = client_timeout_us
        root = random.Random(seed)
        fault_rng = random.Random(root.getrandbits(64))
        net_rng = random.Random(root.getrandbits(64))
        load_rng = random.Random(root.getrandbits(64))
        coin_seed = root.getrandbits(63)
        snap_rng = random.Random(root.getrandbits(64))
        self.compact_every = draw_compaction(snap_rng) if faults == "swarm" else 0
        self.snapshot_chunk = snap_rng.choice((16, 64, 256, 1 << 20))
        """Snapshot bytes per message: most runs pull their snapshots in chunks."""
        self.members = tuple(range(nodes))
        self.plan: FaultPlan = plan_faults(fault_rng, self.members, faults, durability)
        reconf_rng = random.Random(root.getrandbits(64))
        self.reconfigs = draw_reconfigs(reconf_rng, self.plan.fault_us) if faults == "swarm" else ()
        spares = tuple(range(nodes, nodes + SPARES)) if self.reconfigs else ()
        self.reconfigurer = Reconfigurer(reconf_rng, spares)
        self.fault_rng = fault_rng
        plan = self.plan
        self.network = plan.network(self.members, net_rng)
        self.monitor = SafetyMonitor(self.members)
        self._trace = hashlib.sha256()
        recovery: Recovery = "replay" if plan.durability == "always" else "abstain"
        self.nodes: list[SimNode] = []
        for i in self.members + spares:
            config = ReplicaConfig(
                node_id=i,
                members=self.members,
                seed=coin_seed,
                recovery=recovery,
                reserve_chunk=plan.reserve_chunk,
                snapshot_chunk=self.snapshot_chunk,
                unsafe=self.unsafe,
                join=i in spares,
                addresses=tuple((m, f"sim:{m}") for m in self.members),
            )
            storage = MemoryStorage(plan.durability, plan.flush_interval_us)
            self.nodes.append(
                SimNode(
                    config,
                    storage,
                    self.monitor,
                    self._send,
                    self._reply,
                    self._trace,
                    self.compact_every,
                )
            )
        spread = plan.fault_us if load_rng.random() < 0.5 else 0
        self.clients = {
            c.client_id: c for c in make_clients(load_rng, ops, self.members, spread_us=spread)
        }
        self.now = 0
        self._heap: list[tuple[Any, ...]] = []
        self._counter = count()
        self._submits: dict[int, list[Command]] = {}
        self._delivered = 0
        self._healed = plan.fault_us == 0
        self._done_at: int | None = None
        self._stop = False
        self._struck: dict[str, int] = {}
        self._lost_records = 0
        self._state_ones: dict[int, list[int]] = {}
        """slot -> replicas that broadcast a phase-1 STATE of 1 (for the split killer)."""

    # --------------------------------------------------------------- scheduling
    def _push(self, at: int, kind: int, a: Any, b: Any = None) -> None:
        heapq.heappush(self._heap, (at, next(self._counter), kind, a, b))

    def run(self) -> SimResult:
        """Play the whole run (faults, heal, quiescence) and return its result."""
        for at, action in self.plan.events:
            self._push(at, _FAULT, action)
        for at in self.reconfigs:
            self._push(at, _FAULT, ("reconfigure",))
        self._push(self.plan.fault_us, _FAULT, ("heal",))
        for client in self.clients.values():
            self._push(0, _ISSUE, client.client_id)
        if all(c.done for c in self.clients.values()):
            self._done_at = 0
        for node in self.nodes:
            self._guard(node, "starting", node.drain, 0)
        heap = self._heap
        next_tick = TICK_US
        monitor = self.monitor
        while not self._stop:
            if heap and heap[0][0] <= next_tick:
                item = heapq.heappop(heap)
                self.now = item[0]
                self._dispatch(item)
            else:
                self.now = next_tick
                self._tick_all()
                next_tick += TICK_US
                self._check_time()
            if self._submits and (heap[0][0] if heap else next_tick) > self.now:
                self._flush_submits()
            if monitor.violations:
                self._stop = True
        return self._result()

    def _dispatch(self, item: tuple[Any, ...]) -> None:
        kind = item[2]
        if kind == _DELIVER:
            dst, payload = item[3], item[4]
            node = self.nodes[dst]
            if node.status == UP:
                self._deliver(node, payload)
            elif node.status == PAUSED:
                node.held.append((_DELIVER, payload))
        elif kind == _ARRIVE:
            node = self.nodes[item[3]]
            if node.status == UP:
                self._arrive(node, item[4])
            elif node.status == PAUSED:
                node.held.append((_ARRIVE, item[4]))
        elif kind == _REPLY:
            self._client_reply(item[3], item[4])
        elif kind == _ISSUE:
            self._issue(self.clients[item[3]])
        elif kind == _TIMEOUT:
            self._client_timeout(item[3], item[4])
        else:
            self._fault(item[3])

    # -------------------------------------------------------------- replicas
    def _guard(self, node: SimNode, what: str, fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except _CrashNow:
            self._crash(node, node.armed_action)
        except Exception as exc:  # a core crash is a finding, not a simulator crash
            self.monitor.violation(
                f"exception at node {node.node_id} (t={self.now}us) {what}: "
                f"{type(exc).__name__}: {exc}"
            )
            self._stop = True

    def _deliver(self, node: SimNode, payload: tuple[Message, bytes]) -> None:
        self._delivered += 1
        message, data = payload
        try:
            node.deliver(self.now, message, data)
        except _CrashNow:
            self._crash(node, node.armed_action)
        except Exception as exc:
            self.monitor.violation(
                f"exception at node {node.node_id} (t={self.now}us) stepping {message!r}: "
                f"{type(exc).__name__}: {exc}"
            )
            self._stop = True

    def _send(self, src: int, dests: Sequence[int], message: Message) -> None:
        payload = (message, encode(message))
        delays = self.network.delays
        now = self.now
        push = self._push
        node = self.nodes[src]
        armed = node.armed and type(message) in _ARMED_KINDS
        if self.plan.split_killer and type(message) is State and message.phase == 1:
            self._split_killer(src, message)
        for dst in dests:
            if dst != src and dst < len(self.nodes):
                for d in delays(src, dst):
                    push(now + d, _DELIVER, dst, payload)
                if armed:
                    node.armed -= 1
                    if node.armed == 0:
                        armed = False
                        if self._may_crash(node, node.armed_action):
                            raise _CrashNow  # unwinds the node's driver loop mid-Ready
                        self._count("skipped")

    def _split_killer(self, src: int, state: State) -> None:
        """Crash-stop a phase-1 state-1 holder once another replica announces state 0."""
        holders = self._state_ones.setdefault(state.slot, [])
        if state.bit == 1:
            holders.append(src)
            return
        if self._healed:
            return
        for holder in holders:
            node = self.nodes[holder]
            if holder != src and node.replica.next_slot == state.slot and node.status == UP:
                self._crash(node, ("stop", holder, 0))
                return

    def _reply(self, op: tuple[int, int], result: bytes) -> None:
        client = self.clients[op[0]]
        self._push(self.now + client.link_delay(), _REPLY, op, result)

    def _tick_all(self) -> None:
        now = self.now
        for node in self.nodes:
            if node.status == UP:
                self._guard(node, "on tick", node.tick, now)

    def _flush_submits(self) -> None:
        submits, self._submits = self._submits, {}
        for nid, commands in sorted(submits.items()):
            node = self.nodes[nid]
            if node.status == UP:
                self._guard(node, "on submit", node.submit, self.now, commands)

    # --------------------------------------------------------------- clients
    def _issue(self, client: Client) -> None:
        command = client.issue()
        if command is not None:
            self._send_request(client, command)

    def _send_request(self, client: Client, command: Command) -> None:
        self._push(self.now + client.link_delay(), _ARRIVE, client.target, command)
        self._push(
            self.now + self.client_timeout_us,
            _TIMEOUT,
            client.client_id,
            (command.seq, client.attempts),
        )

    def _arrive(self, node: SimNode, command: Command) -> None:
        op = (command.client_id, command.seq)
        if op in node.waiting:
            return  # already queued there; the node answers once it applies it
        cached = node.arrive(command)
        if cached is not None:
            self._reply(op, cached)
        else:
            self._submits.setdefault(node.node_id, []).append(command)

    def _client_reply(self, op: tuple[int, int], result: bytes) -> None:
        client = self.clients[op[0]]
        if client.on_reply(op[1], result):
            self.monitor.ack(op[0], op[1], result)
            if client.done:
                if all(c.done for c in self.clients.values()):
                    self._done_at = self.now
            else:
                self._push(self.now + client.think(), _ISSUE, client.client_id)

    def _client_timeout(self, client_id: int, key: tuple[int, int]) -> None:
        client = self.clients[client_id]
        pending = client.pending
        if pending is None or (pending.seq, client.attempts) != key:
            return
        command = client.retry(self._latest().members)
        if command is not None:
            self._send_request(client, command)

    # ---------------------------------------------------------------- faults
    def _impaired(self, members: Sequence[int] | None = None) -> int:
        return len(self._impaired_ids(members))

    def _impaired_ids(self, members: Sequence[int] | None = None) -> list[int]:
        """Members (of the latest configuration by default) that cannot speak now (or soon)."""
        out = []
        for m in self._latest().members if members is None else members:
            n = self.nodes[m]
            if n.status in (DOWN, STOPPED) or n.recovering or not n.replica.is_member:
                out.append(m)
        return out

    def _latest(self) -> Configuration:
        """The most recent configuration some replica has adopted."""
        return self.monitor.latest_config

    def _reconfigure(self) -> None:
        latest = self._latest()
        stopped = [m for m in latest.members if self.nodes[m].status == STOPPED]
        live = [m for m in latest.members if self.nodes[m].status == UP]
        choice = self.reconfigurer.choose(self.now, latest, self._impaired_ids(), stopped)
        if choice is None:
            if self.reconfigurer.pending is not None:
                self._push(self.now + RETRY_US, _FAULT, ("reconfigure",))
            return
        add, remove = choice
        node = self.nodes[self.fault_rng.choice(live)] if live else None
        if node is None:
            return
        self._count("reconfigure")
        self._guard(
            node,
            "on reconfigure",
            node.reconfigure,
            self.now,
            () if add is None else ((add, f"sim:{add}"),),
            () if remove is None else (remove,),
        )

    def _may_crash(self, node: SimNode, action: tuple[Any, ...]) -> bool:
        if node.status not in (UP, PAUSED):
            return False
        stop = action[0] == "stop"
        lossless = self.plan.durability == "always" or (not stop and not action[3])
        configs = self._budget_configs()
        if stop and any(
            sum(1 for m in config if self.nodes[m].status == STOPPED) >= (len(config) - 1) // 2
            for config in configs
        ):
            return False
        if lossless and not self.reconfigs:
            return True  # the node restarts with every record and resumes where it stopped
        return all(self._impaired(config) + 1 <= (len(config) - 1) // 2 for config in configs)

    def _budget_configs(self) -> list[tuple[int, ...]]:
        """Member sets the crash budget must hold in: the latest one and, while a
        membership change is in flight, the one it will make (which may tolerate fewer
        impaired members, or hold a joiner that is not caught up yet)."""
        members = self._latest().members
        configs = [members]
        pending = self.reconfigurer.pending
        if pending is not None:
            after = {m for m in members if m != pending.remove}
            if pending.add is not None:
                after.add(pending.add)
            configs.append(tuple(sorted(after)))
        return configs

    def _fault(self, action: tuple[Any, ...]) -> None:
        kind = action[0]
        if kind == "heal":
            self._heal()
            return
        if self._healed:
            return
        if kind == "reconfigure":
            self._reconfigure()
            return
        if kind in ("crash", "stop"):
            node = self.nodes[action[1]]
            if not action[-1]:
                self._crash(node, action)
            elif node.status in (UP, PAUSED) and not node.armed:
                node.armed, node.armed_action = action[-1], action
        elif kind == "restart":
            node = self.nodes[action[1]]
            if node.status == DOWN and node.life == action[2]:
                self._restart(node)
        elif kind == "pause":
            node = self.nodes[action[1]]
            if node.status == UP:
                self._count("pause")
                node.status = PAUSED
                self._push(self.now + action[2], _FAULT, ("resume", node.node_id))
        elif kind == "resume":
            self._resume(self.nodes[action[1]])
        elif kind == "partition":
            links = partition_links(action[1], self.members, self.fault_rng)
            self._count("partition")
            self.network.block(links)
            self._push(self.now + action[2], _FAULT, ("unpartition", links))
        elif kind == "unpartition":
            self.network.unblock(action[1])

    def _count(self, what: str) -> None:
        self._struck[what] = self._struck.get(what, 0) + 1

    def _crash(self, node: SimNode, action: tuple[Any, ...]) -> None:
        stop = action[0] == "stop"
        if not self._may_crash(node, action):
            self._count("skipped")
            return
        self._count(("stop" if stop else "crash") + (" mid-broadcast" if action[-1] else ""))
        power = not stop and action[3]
        if power and self.plan.durability != "always":
            self._count("power loss")
        self._lost_records += node.crash(stop, power=power)
        if not stop:
            self._push(self.now + action[2], _FAULT, ("restart", node.node_id, node.life))

    def _restart(self, node: SimNode) -> None:
        self._count("restart")
        self._guard(node, "restarting", node.restart, self.now)

    def _resume(self, node: SimNode) -> None:
        if node.status != PAUSED:
            return
        node.status = UP
        held, node.held = node.held, []
        for kind, payload in held:
            if node.status != UP or self._stop:
                break
            if kind == _DELIVER:
                self._deliver(node, payload)
            else:
                self._arrive(node, payload)

    def _heal(self) -> None:
        self._healed = True
        self.network.heal()
        for node in self.nodes:
            node.armed = 0
            if node.status == DOWN:
                self._restart(node)
            elif node.status == PAUSED:
                self._resume(node)

    # ------------------------------------------------------------ run shape
    def _check_time(self) -> None:
        if not self._healed:
            return
        now = self.now
        if self._done_at is None:
            if now > self.plan.fault_us + self.ack_deadline_us:
                waiting = [
                    f"client {c.client_id} seq {c.pending.seq}"
                    for c in self.clients.values()
                    if c.pending is not None
                ]
                self.monitor.violation(
                    f"liveness: not acknowledged {self.ack_deadline_us / 1e6:g} s after heal: "
                    + (", ".join(waiting[:3]) or "requests not yet issued")
                    + f"; replicas: {self._describe_nodes()}"
                )
                self._stop = True
        elif now >= max(self._done_at, self.plan.fault_us) + self.quiet_us:
            check_quiescent(self.monitor, self.nodes)
            self._stop = True

    def _describe_nodes(self) -> str:
        return ", ".join(n.describe() for n in self.nodes)

    def _result(self) -> SimResult:
        monitor = self.monitor
        live = [n for n in self.nodes if n.status == UP]
        slots = max((n.replica.next_slot for n in live), default=0)
        phases = [p for s, p in monitor.decided_phase.items() if s < slots]
        null = sum(1 for s in range(slots) if monitor.is_null(s))
        return SimResult(
            seed=self.seed,
            nodes=len(self.members),
            ops=self.ops,
            faults=self.faults,
            violations=list(monitor.violations),
            slots=slots,
            fast_path=sum(1 for p in phases if p <= 1),
            null_slots=null,
            phases_mean=sum(phases) / len(phases) if phases else 0.0,
            phases_max=max(phases, default=0),
            phases_total=sum(phases),
            phase_slots=len(phases),
            virtual_us=self.now,
            trace_hash=self._trace.hexdigest(),
            replay_command=replay_command(
                self.seed,
                len(self.members),
                self.ops,
                self.faults,
                self.unsafe,
                self.forced_durability,
            ),
            acked=len(monitor.acked),
            delivered=self._delivered,
            plan=self.plan.describe(),
            fault_counts=dict(sorted(self._struck.items())),
            compact_every=self.compact_every,
            installs=monitor.installs,
            reconfigs=self.reconfigurer.submitted,
            epochs=monitor.latest_config.epoch,
            transfers=sum(n.transfers for n in self.nodes),
            durability=self.plan.durability,
            lost_records=self._lost_records,
        )


def draw_compaction(rng: random.Random) -> int:
    """Slots between snapshots for one run: never in a quarter of the runs, else 4..64."""
    if rng.random() < 0.25:
        return 0
    return rng.choice((4, 8, 16, 32, 64))


def replay_command(
    seed: int,
    nodes: int,
    ops: int,
    faults: str,
    unsafe: UnsafeSwitches | None = None,
    durability: str | None = None,
) -> str:
    """The CLI command that replays one run."""
    cmd = f"rabia sim --nodes {nodes} --seed {seed} --ops {ops} --faults {faults}"
    if durability is not None:
        cmd += f" --durability {durability}"
    if unsafe is not None:
        for name in UNSAFE_NAMES:
            if getattr(unsafe, name):
                cmd += f" --unsafe {name}"
    return cmd


UNSAFE_NAMES: tuple[str, ...] = tuple(UnsafeSwitches.__dataclass_fields__)
"""Names of the test-only bug switches, as ``--unsafe`` accepts them."""


def run_seed(
    seed: int,
    nodes: int = 3,
    ops: int = 60,
    faults: str = "swarm",
    unsafe: UnsafeSwitches | None = None,
    durability: SyncMode | None = None,
) -> SimResult:
    """Run one seeded simulation and return its result (violations empty when safe).

    ``durability`` forces one storage mode on every run, with crash-restarts enabled.
    """
    started = time.process_time()
    result = Cluster(seed, nodes, ops, faults, unsafe, durability=durability).run()
    return dataclasses.replace(result, cpu_seconds=time.process_time() - started)


def run_many(
    seeds: Iterable[int],
    nodes: int = 3,
    ops: int = 60,
    faults: str = "swarm",
    unsafe: UnsafeSwitches | None = None,
    durability: SyncMode | None = None,
) -> Iterator[SimResult]:
    """Run several seeds one after another, yielding each result."""
    for seed in seeds:
        yield run_seed(seed, nodes, ops, faults, unsafe, durability)


__all__ = ["Cluster", "SimResult", "replay_command", "run_many", "run_seed"]
