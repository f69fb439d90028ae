"""``check(history, model)``: split a history into independent partitions and search each."""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from rabia.testing.linearizability.history import Operation
from rabia.testing.linearizability.model import Model
from rabia.testing.linearizability.search import Outcome, Search, SearchResult

Verdict = Outcome
"""``"linearizable"``, ``"not linearizable"`` or ``"unknown"`` (the time budget ran out)."""


@dataclass(frozen=True, slots=True)
class PartitionResult:
    """The verdict on one partition (key); every position indexes the checked history.

    For a partition that is not linearizable (or unknown): ``prefix`` is the longest
    linearization found, in order, ``stuck`` the operation whose return the search
    could not get past after it, ``pending`` the operations that could have come
    next (``stuck`` among them) and ``state`` the model state after ``prefix``.
    """

    key: Hashable
    verdict: Verdict
    operations: tuple[int, ...]
    prefix: tuple[int, ...] = ()
    stuck: int | None = None
    pending: tuple[int, ...] = ()
    state: Hashable = None
    explored: int = 0


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdict on a whole history, with a :class:`PartitionResult` per key.

    Not linearizable if any partition is not; else unknown if any partition ran
    out of time. ``skipped`` lists the keys left undecided once a partition failed.
    """

    verdict: Verdict
    history: tuple[Operation, ...]
    partitions: tuple[PartitionResult, ...]
    skipped: tuple[Hashable, ...]
    elapsed: float

    @property
    def failures(self) -> tuple[PartitionResult, ...]:
        """The partitions that are not linearizable."""
        return tuple(p for p in self.partitions if p.verdict == "not linearizable")

    def window(self, partition: PartitionResult) -> tuple[int, ...]:
        """The smallest failing window of a partition: the ops to look at.

        Those are the ops that could have been linearized next when the search got
        stuck, the linearized ops that overlap them in time, and, for context, the
        last few linearized ones.
        """
        if partition.stuck is None:
            return ()
        ops = self.history
        pending = set(partition.pending) | {partition.stuck}
        start = min(ops[i].call for i in pending)
        end = ops[partition.stuck].ret
        limit = float("inf") if end is None else end
        overlapping = {
            i for i in partition.prefix if _ret(ops[i]) >= start and ops[i].call <= limit
        }
        context = set(partition.prefix[-_CONTEXT:])
        return tuple(sorted(pending | overlapping | context, key=lambda i: (ops[i].call, i)))


_CONTEXT = 3
"""Linearized ops a failing window shows even when they end before it."""


def _ret(op: Operation) -> float:
    return float("inf") if op.ret is None else op.ret


def partition_history(
    history: Sequence[Operation], model: Model[Hashable]
) -> dict[Hashable, list[int]]:
    """Positions of the ops that constrain anything, grouped by ``model.partition``."""
    groups: dict[Hashable, list[int]] = {}
    for i, op in enumerate(history):
        if model.constrains(op):
            groups.setdefault(model.partition(op), []).append(i)
    return groups


def check(
    history: Sequence[Operation],
    model: Model[Hashable],
    timeout: float | None = None,
    *,
    keep_going: bool = False,
    cache_limit: int = 4_000_000,
) -> CheckResult:
    """Is ``history`` linearizable with respect to ``model``?

    The partitions are searched in turns (as if in parallel, smallest first), so
    one that fails quickly is found even next to one that takes long to refute; the
    check stops at the first partition that is not linearizable unless
    ``keep_going``, listing the undecided ones in ``skipped``. ``timeout`` (seconds,
    for the whole history) bounds the search: past it, the partitions not yet
    decided are ``"unknown"``. ``cache_limit`` bounds the explored configurations
    remembered in all (a few hundred bytes each): past it the largest memo is dropped,
    which costs time but keeps memory bounded on histories that are hard to refute.
    """
    started = time.monotonic()
    deadline = None if timeout is None else started + timeout
    ops = tuple(history)
    groups = sorted(partition_history(ops, model).items(), key=lambda kv: len(kv[1]))
    searches = {
        key: Search(
            [model.stepper(ops[i]) for i in members],
            [ops[i].call for i in members],
            [ops[i].ret for i in members],
            model.init(),
        )
        for key, members in groups
    }
    active = list(searches)
    failed = out_of_time = False
    while active and not out_of_time and not (failed and not keep_going):
        still: list[Hashable] = []
        for n, key in enumerate(active):
            if deadline is not None and time.monotonic() > deadline:
                out_of_time = True
            if out_of_time or (failed and not keep_going):
                still.extend(active[n:])
                break
            if not searches[key].advance(_SLICE):
                still.append(key)
            elif searches[key].result().outcome == "not linearizable":
                failed = True
        active = still
        while sum(searches[key].cache_size for key in active) > cache_limit:
            max((searches[key] for key in active), key=lambda s: s.cache_size).forget()
    skipped = tuple(active) if failed and not keep_going else ()
    left_out = set(skipped)
    results = tuple(
        _partition_result(key, members, searches[key].result())
        for key, members in groups
        if key not in left_out
    )
    verdicts = {r.verdict for r in results}
    verdict: Verdict = "linearizable"
    if "not linearizable" in verdicts:
        verdict = "not linearizable"
    elif "unknown" in verdicts:
        verdict = "unknown"
    return CheckResult(verdict, ops, results, skipped, time.monotonic() - started)


_SLICE = 20_000
"""Search iterations a partition runs before the next one's turn."""


def _partition_result(key: Hashable, members: list[int], found: SearchResult) -> PartitionResult:
    return PartitionResult(
        key,
        found.outcome,
        tuple(members),
        tuple(members[i] for i in found.prefix),
        None if found.stuck is None else members[found.stuck],
        tuple(members[i] for i in found.pending),
        found.state,
        found.explored,
    )
