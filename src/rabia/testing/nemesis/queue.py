"""The ``queue`` workload: a job queue on lists with blocking pops, as Celery, RQ and
python-redis-lock use them (ADR 0014).

Producers ``LPUSH`` unique integers onto ``queue``. Half of the consumers ``BRPOP`` (at
most once, deliberately: a popped element is theirs), the other half use the reliable
pattern: ``BLMOVE queue processing:<worker> RIGHT LEFT`` and, once "processed", ``LREM``
it from their processing list. The final reads take ``queue`` and every processing list
at every node.

The checks: no acknowledged element lost (each is dequeued by a successful pop, or still
in a final list); none delivered twice (two successful pops, or popped and still in the
queue); nothing unexpected; every node's final lists equal. A pop whose outcome is
unknown (the connection broke) may have taken an element, as with Redis itself: the
elements no final list and no successful pop account for are allowed up to the number
of such pops, and reported.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from rabia.testing.nemesis.checks import Check, _final_agreement, _verdict
from rabia.testing.nemesis.clients import Caller, Outcome
from rabia.testing.nemesis.history import Op, Pair, pairs
from rabia.testing.nemesis.workloads import Context, Workload

QUEUE = "queue"
PROCESSING = "processing:"
POP_TIMEOUT = "0.5"


def _element(reply: Any) -> int | None:
    """The element a pop returned (BRPOP: [key, value]; BLMOVE: value), or None."""
    if reply is None:
        return None
    if isinstance(reply, list):
        return int(reply[1])
    return int(reply)


def _elements(reply: Any) -> list[int]:
    return [int(x) for x in reply or []]


class Queue(Workload):
    """Producers and consumers of one queue (see the module docstring)."""

    name = "queue"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.workers: set[int] = set()

    async def step(self, client: Caller, process: int, rng: random.Random) -> Outcome:
        worker = process % 8
        if rng.random() < 0.5:
            element = next(self.values)

            async def push() -> tuple[Outcome, Any]:
                await client.call("LPUSH", QUEUE, element)
                return "ok", None

            return (await self.perform(process, "enqueue", QUEUE, element, push))[0]
        if worker % 2:

            async def brpop() -> tuple[Outcome, Any]:
                return "ok", _element(await client.call("BRPOP", QUEUE, POP_TIMEOUT))

            return (await self.perform(process, "dequeue", QUEUE, None, brpop))[0]
        processing = f"{PROCESSING}{worker}"
        self.workers.add(worker)

        async def blmove() -> tuple[Outcome, Any]:
            moved = _element(
                await client.call("BLMOVE", QUEUE, processing, "RIGHT", "LEFT", POP_TIMEOUT)
            )
            if moved is not None:  # "process" it, then take it off the processing list
                await client.call("LREM", processing, 1, moved)
            return "ok", moved

        return (await self.perform(process, "dequeue", processing, None, blmove))[0]

    async def final_reads(self, deadline: float) -> list[str]:
        keys = [QUEUE] + [f"{PROCESSING}{w}" for w in sorted(self.workers)]
        return await self.read_everywhere(
            "read", keys, lambda key: ("LRANGE", key, "0", "-1"), _elements, deadline
        )

    def check(self, final_from: float) -> list[Check]:
        return check_queue(self.history.ops, final_from)


def check_queue(ops: Iterable[Op], final_from: float) -> list[Check]:
    """Enqueues of unique elements, dequeues, and final reads of the lists."""
    enqueued: dict[int, Pair] = {}
    delivered: Counter[int] = Counter()
    unknown_pops = 0
    finals: list[Pair] = []
    final_lists: dict[str, set[tuple[int, ...]]] = defaultdict(set)
    for pair in pairs(ops):
        f = pair.invoke.f
        if f == "enqueue":
            enqueued[int(pair.invoke.value)] = pair
        elif f == "dequeue":
            if pair.type == "ok" and pair.complete is not None:
                element = pair.complete.value
                if element is not None:
                    delivered[int(element)] += 1
            elif pair.type == "info":
                unknown_pops += 1
        elif f == "read" and pair.type == "ok" and pair.invoke.time >= final_from:
            finals.append(pair)
            value = tuple(pair.complete.value if pair.complete else ())
            final_lists[pair.invoke.key].add(value)
    in_queue = {e for lists in final_lists.get(QUEUE, set()) for e in lists}
    in_processing = {
        e for key, lists in final_lists.items() if key != QUEUE for values in lists for e in values
    }
    twice = [f"{e} delivered {n} times" for e, n in sorted(delivered.items()) if n > 1]
    twice += [f"{e} delivered and still queued" for e in sorted(set(delivered) & in_queue)]
    unexpected = [
        f"{e} delivered, never enqueued"
        for e in sorted(set(delivered) | in_queue | in_processing)
        if e not in enqueued or enqueued[e].type == "fail"
    ]
    acked = {e for e, pair in enqueued.items() if pair.type == "ok"}
    missing = sorted(acked - set(delivered) - in_queue - in_processing)
    lost = (
        [f"{e} acknowledged, never delivered and gone" for e in missing]
        if len(missing) > unknown_pops
        else []
    )
    return [
        _verdict(
            "no lost elements",
            lost,
            f"{len(acked)} acknowledged, {sum(delivered.values())} delivered, "
            f"{len(missing)} possibly taken by {unknown_pops} pops of unknown outcome",
        ),
        _verdict("none delivered twice", twice),
        _verdict("nothing unexpected", unexpected),
        _final_agreement(finals),
    ]
