"""Checks over a recorded history that need no search: each flags only real violations.

Written values are unique, so a read names the one operation that wrote what it saw,
and real-time order alone convicts: a read that misses a write acknowledged before the
read began, or returns a value overwritten before it began, cannot be linearized (nor
can a value never written, or one whose write had failed). The full linearizability
check is the checker's (``rabia.testing.nemesis.linearizable``); these catch the usual
suspects quickly and explain them in one line each.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rabia.testing.nemesis.history import Op, Pair, pairs

LIMIT = 5
"""Violations quoted per check."""


@dataclass(frozen=True)
class Check:
    """One check's verdict: ``ok`` True, False (violated) or None (could not check)."""

    name: str
    ok: bool | None
    detail: str = ""


def _verdict(name: str, problems: list[str], checked: str = "") -> Check:
    if not problems:
        return Check(name, True, checked)
    shown = "; ".join(problems[:LIMIT])
    more = f" (+{len(problems) - LIMIT} more)" if len(problems) > LIMIT else ""
    return Check(name, False, f"{len(problems)} violation(s): {shown}{more}")


def _at(t: float) -> str:
    return f"{t:.3f}s"


# ---------------------------------------------------------------------- register
def check_register(ops: Iterable[Op], final_from: float) -> list[Check]:
    """Reads of registers with unique written values (``write v``, ``cas [from, to]``);
    a final read (from ``final_from`` on) that misses a write means the write was lost."""
    writes: dict[str, dict[object, Pair]] = defaultdict(dict)
    acked: dict[str, list[Pair]] = defaultdict(list)
    reads: list[Pair] = []
    for pair in pairs(ops):
        f, inv = pair.invoke.f, pair.invoke
        if f == "read":
            if pair.type == "ok":
                reads.append(pair)
            continue
        value = inv.value if f == "write" else inv.value[1]
        writes[inv.key][value] = pair
        if pair.type == "ok":
            acked[inv.key].append(pair)
    starts: dict[str, list[float]] = {}
    suffix_end: dict[str, list[float]] = {}
    for key, done in acked.items():
        done.sort(key=lambda p: p.invoke.time)
        starts[key] = [p.invoke.time for p in done]
        ends = [p.end for p in done]
        for k in range(len(ends) - 2, -1, -1):
            ends[k] = min(ends[k], ends[k + 1])
        suffix_end[key] = ends

    def overwritten(key: str, after: float, before: float) -> bool:
        """Some acknowledged write began after ``after`` and ended before ``before``."""
        k = bisect.bisect_right(starts.get(key, []), after)
        return k < len(starts.get(key, [])) and suffix_end[key][k] < before

    stale: list[str] = []
    lost: list[str] = []
    unexpected: list[str] = []
    for read in reads:
        key, value = read.invoke.key, read.complete.value if read.complete else None
        start, end = read.invoke.time, read.end
        where = f"read of {key} = {value!r} at {_at(start)}"
        missed = lost if start >= final_from else stale
        if value is None:
            if overwritten(key, float("-inf"), start):
                missed.append(f"{where}: a write had been acknowledged before it began")
            continue
        writer = writes[key].get(value)
        if writer is None:
            unexpected.append(f"{where}: no operation ever wrote that value")
        elif writer.type == "fail":
            unexpected.append(f"{where}: the write of that value had failed")
        elif writer.invoke.time > end:
            unexpected.append(f"{where}: its write began only at {_at(writer.invoke.time)}")
        elif writer.type == "ok" and overwritten(key, writer.end, start):
            missed.append(f"{where}: overwritten before the read began")
    finals = [r for r in reads if r.invoke.time >= final_from]
    return [
        _verdict("no lost writes", lost, f"{sum(map(len, acked.values()))} acknowledged writes"),
        _verdict("no stale reads", stale, f"{len(reads) - len(finals)} reads"),
        _verdict("nothing unexpected", unexpected),
        _final_agreement(finals),
    ]


# --------------------------------------------------------------------------- set
def check_set(ops: Iterable[Op], final_from: float) -> list[Check]:
    """Adds (``put`` of ``set:<n>``) and reads of the whole set (``read`` of ``set:*``)."""
    attempted: set[int] = set()
    failed: set[int] = set()
    acked: list[tuple[float, int]] = []
    reads: list[Pair] = []
    for pair in pairs(ops):
        if pair.invoke.f == "read":
            if pair.type == "ok":
                reads.append(pair)
            continue
        element = int(pair.invoke.value)
        attempted.add(element)
        if pair.type == "ok":
            acked.append((pair.end, element))
        elif pair.type == "fail":
            failed.add(element)
    acked.sort()
    lost: list[str] = []
    stale: list[str] = []
    unexpected: list[str] = []
    finals = [r for r in reads if r.invoke.time >= final_from]
    for read in reads:
        seen = set(read.complete.value if read.complete else [])
        for element in sorted(seen - attempted):
            unexpected.append(f"{element} read at {_at(read.invoke.time)}, never added")
        for element in sorted(seen & failed):
            unexpected.append(f"{element} read at {_at(read.invoke.time)}, its add had failed")
        due = {e for end, e in acked if end < read.invoke.time}
        missing = sorted(due - seen)
        target = lost if read in finals else stale
        target += [
            f"{e} acknowledged, missing from read at {_at(read.invoke.time)}" for e in missing
        ]
    return [
        _verdict("no lost writes", lost, f"{len(acked)} acknowledged adds"),
        _verdict("no stale reads", stale, f"{len(reads) - len(finals)} reads"),
        _verdict("nothing unexpected", unexpected),
        _final_agreement(finals),
    ]


# ------------------------------------------------------------------------ append
def check_append(ops: Iterable[Op], final_from: float) -> list[Check]:
    """``append`` of unique tokens to keys, ``get`` reads returning the token lists."""
    attempted: dict[str, dict[int, Pair]] = defaultdict(dict)
    reads: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs(ops):
        if pair.invoke.f == "get":
            if pair.type == "ok":
                reads[pair.invoke.key].append(pair)
        else:
            attempted[pair.invoke.key][int(pair.invoke.value)] = pair
    twice: list[str] = []
    unexpected: list[str] = []
    lost: list[str] = []
    stale: list[str] = []
    order: list[str] = []
    finals: list[Pair] = []
    for key, key_reads in reads.items():
        tokens = attempted.get(key, {})
        longest: list[int] = []
        for read in key_reads:
            seen: list[int] = list(read.complete.value) if read.complete else []
            start, where = read.invoke.time, f"read of {key} at {_at(read.invoke.time)}"
            final = start >= final_from
            if final:
                finals.append(read)
            for token, count in Counter(seen).items():
                if count > 1:
                    twice.append(f"{where}: token {token} applied {count} times")
                writer = tokens.get(token)
                if writer is None or writer.type == "fail":
                    why = "never appended" if writer is None else "whose append had failed"
                    unexpected.append(f"{where}: token {token} {why}")
                elif writer.invoke.time > read.end:
                    unexpected.append(f"{where}: token {token} appended only later")
            present = set(seen)
            for token, writer in tokens.items():
                if writer.type == "ok" and writer.end < start and token not in present:
                    (lost if final else stale).append(
                        f"{where}: token {token} acknowledged at {_at(writer.end)} is missing"
                    )
            short, long_ = sorted((seen, longest), key=len)
            if long_[: len(short)] != short:
                order.append(f"{where}: {short[-3:]}... and {long_[: len(short)][-3:]}... differ")
            longest = long_
    return [
        _verdict("no lost writes", lost),
        _verdict("nothing applied twice", twice),
        _verdict("no stale reads", stale),
        _verdict("nothing unexpected", unexpected),
        _verdict("same order everywhere", order),
        _final_agreement(finals),
    ]


def _final_agreement(finals: list[Pair]) -> Check:
    """Final reads of one key (after heal, one per node) return the same value."""
    by_key: dict[str, set[str]] = defaultdict(set)
    for read in finals:
        by_key[read.invoke.key].add(repr(read.complete.value if read.complete else None))
    problems = [
        f"{key}: {len(values)} different values"
        for key, values in by_key.items()
        if len(values) > 1
    ]
    return _verdict("final reads agree", problems, f"{len(by_key)} keys")
