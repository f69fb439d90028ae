"""One simulated cluster: its nodes, network and clients, driven in virtual time.

The ``Cluster`` wires a run from its seed (each part draws from its own generator),
then plays it: events sit in a heap keyed by (time, insertion order), every live node
ticks once per virtual millisecond, messages travel with the network's delays, and
clients issue, retry and are answered. Its ``FaultInjector`` strikes the planned
faults; the ``SafetyMonitor`` checks every Ready, and the first violation ends the run.
"""

from __future__ import annotations

import hashlib
import heapq
import random
from collections.abc import Callable, Sequence
from itertools import count
from typing import Any

from rabia.core.config import Recovery, ReplicaConfig, UnsafeSwitches
from rabia.core.messages import Command, Message, Proposal, Request, State, Vote
from rabia.testing.behind import BehindNemesis, draw_behind
from rabia.testing.faults import FaultAction, FaultPlan, plan_faults
from rabia.testing.invariants import SafetyMonitor
from rabia.testing.node import PAUSED, UP, SimNode, check_quiescent, encode
from rabia.testing.reconfig import SPARES, Reconfigurer, draw_reconfigs
from rabia.testing.sim_history import SimHistory
from rabia.testing.sim_injector import FaultInjector
from rabia.testing.sim_result import SimResult, replay_command
from rabia.testing.storage import MemoryStorage, SyncMode
from rabia.testing.workload import (
    BarrierRead,
    Client,
    ClientRequest,
    make_clients,
)

TICK_US = 1_000
"""Virtual time between two ticks of a replica."""

# event kinds
_DELIVER, _ARRIVE, _REPLY, _ISSUE, _TIMEOUT, _FAULT = range(6)

_ARMED_KINDS = (Request, Proposal, State, Vote)
"""Messages whose copies count down an armed mid-broadcast crash."""


class _CrashNow(Exception):
    """Raised from inside a node's driver loop when its armed crash goes off."""


def draw_compaction(rng: random.Random) -> int:
    """Slots between snapshots for one run: never in a quarter of the runs, else 4..64."""
    if rng.random() < 0.25:
        return 0
    return rng.choice((4, 8, 16, 32, 64))


class Cluster:
    """One simulated cluster; :meth:`run` plays it to the end and returns a :class:`SimResult`.

    ``two_behind=False`` leaves the two-changes-behind nemesis out of the draw (to replay
    a run as it was before that nemesis existed).
    """

    def __init__(
        self,
        seed: int,
        nodes: int = 3,
        ops: int = 60,
        faults: str = "swarm",
        unsafe: UnsafeSwitches | None = None,
        *,
        durability: SyncMode | None = None,
        two_behind: bool = True,
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
        behind_rng = random.Random(root.getrandbits(64))  # drawn last: earlier draws stay
        behind = draw_behind(behind_rng, self.members, spares, self.plan.fault_us)
        behind = behind if two_behind else None
        if behind is not None:  # the nemesis scripts the run's membership changes
            self.reconfigs = (behind.start_us + TICK_US,)
            self.reconfigurer.script = list(behind.script)
        self.fault_rng = fault_rng
        plan = self.plan
        self.network = plan.network(self.members, net_rng)
        self.behind = (
            None
            if behind is None
            else BehindNemesis(behind, self.members, self.members + spares, self.network)
        )
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
        self.injector = FaultInjector(
            plan,
            self.members,
            self.nodes,
            self.network,
            self.monitor,
            self.reconfigurer,
            fault_rng,
            reconfigures=bool(self.reconfigs),
            behind=self.behind,
            schedule=self._schedule_fault,
            guard=self._guard,
            resume=self._resume,
        )
        self.now = 0
        self._heap: list[tuple[Any, ...]] = []
        self._counter = count()
        self._submits: dict[int, list[Command]] = {}
        self.history = SimHistory()
        """Every client operation, checked for linearizability at the end of the run."""
        self._delivered = 0
        self._done_at: int | None = None
        self._stop = False

    # --------------------------------------------------------------- scheduling
    def _push(self, at: int, kind: int, a: Any, b: Any = None) -> None:
        heapq.heappush(self._heap, (at, next(self._counter), kind, a, b))

    def _schedule_fault(self, at: int, action: FaultAction) -> None:
        self._push(at, _FAULT, action)

    def run(self) -> SimResult:
        """Play the whole run (faults, heal, quiescence) and return its result."""
        for at, action in self.plan.events:
            self._push(at, _FAULT, action)
        for at in self.reconfigs:
            self._push(at, _FAULT, ("reconfigure",))
        if self.behind is not None:
            self._push(self.behind.plan.start_us, _FAULT, ("behind",))
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
        if not monitor.violations:
            found = self.history.violation()
            if found is not None:
                monitor.violation(found)
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
            self.injector.strike(item[3], self.now)

    # -------------------------------------------------------------- replicas
    def _guard(self, node: SimNode, what: str, fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except _CrashNow:
            self.injector.crash(node, node.armed_action, self.now)
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
            self.injector.crash(node, node.armed_action, self.now)
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
            self.injector.split_state(src, message, now)
        for dst in dests:
            if dst != src and dst < len(self.nodes):
                for d in delays(src, dst):
                    push(now + d, _DELIVER, dst, payload)
                if armed:
                    node.armed -= 1
                    if node.armed == 0:
                        armed = False
                        if self.injector.armed_crash_fires(node):
                            raise _CrashNow  # unwinds the node's driver loop mid-Ready

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

    def _resume(self, node: SimNode) -> None:
        """A paused node runs again and takes the inputs held for it, in order."""
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

    # --------------------------------------------------------------- clients
    def _issue(self, client: Client) -> None:
        request = client.issue()
        if request is not None and self.behind is not None:
            read = type(request) is BarrierRead
            steer = self.behind.steer(client.client_id, read, self.now)
            if steer is not None and read:
                client.read_target = steer
            elif steer is not None:
                client.target = steer
        if request is not None:
            self.history.invoke(request, self.now)
            self._send_request(client, request)

    def _send_request(self, client: Client, request: ClientRequest) -> None:
        self._push(self.now + client.link_delay(), _ARRIVE, client.destination, request)
        self._push(
            self.now + self.client_timeout_us,
            _TIMEOUT,
            client.client_id,
            (request.seq, client.attempts),
        )

    def _arrive(self, node: SimNode, command: ClientRequest) -> None:
        if type(command) is BarrierRead:
            self._guard(node, "on a read", node.read, self.now, command)
            return
        assert type(command) is Command
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
        request = client.pending
        if client.on_reply(op[1], result):
            self.history.complete(op[0], op[1], result, self.now)
            if type(request) is Command:  # through the log: applied with this result
                self.monitor.ack(op[0], op[1], result, lasting=not request.op.startswith(b"r:"))
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
        command = client.retry(self.monitor.latest_config.members)
        if command is not None:
            self._send_request(client, command)

    # ------------------------------------------------------------ run shape
    def _check_time(self) -> None:
        if not self.injector.healed:
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
            fault_counts=self.injector.counts,
            compact_every=self.compact_every,
            installs=monitor.installs,
            reconfigs=self.reconfigurer.submitted,
            epochs=monitor.latest_config.epoch,
            transfers=sum(n.transfers for n in self.nodes),
            durability=self.plan.durability,
            lost_records=self.injector.lost_records,
            operations=self.history.counts(),
        )
