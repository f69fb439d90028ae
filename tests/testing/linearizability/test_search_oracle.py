"""The search agrees with brute force (every order of every admissible subset) on
small random register histories."""

from __future__ import annotations

import random
from collections.abc import Hashable, Sequence
from itertools import combinations, permutations

from hypothesis import given, settings
from hypothesis import strategies as st

from rabia.testing.linearizability import (
    Event,
    Operation,
    RegisterModel,
    check,
    operations_from_events,
)

REG = RegisterModel()


def random_history(rng: random.Random) -> list[Operation]:
    """Up to three processes, a few calls each, with random outputs and outcomes."""
    processes = list(range(rng.randint(1, 3)))
    budget = {p: rng.randint(1, 3) for p in processes}
    open_calls: dict[int, Event] = {}
    events: list[Event] = []
    while budget or open_calls:
        p = rng.choice([*budget, *open_calls])
        if p in open_calls:
            call = open_calls.pop(p)
            outcome = rng.choice(["ok", "ok", "ok", "info"])
            value: object = None
            if call.f == "read":
                value = rng.choice([None, 1, 2])
            elif call.f == "cas":
                value = rng.choice([True, True, False])
            events.append(Event(p, outcome, call.f, value))  # type: ignore[arg-type]
            continue
        budget[p] -= 1
        if not budget[p]:
            del budget[p]
        f = rng.choice(["read", "write", "cas"])
        arg: object = None
        if f == "write":
            arg = rng.choice([1, 2])
        elif f == "cas":
            arg = (rng.choice([None, 1, 2]), rng.choice([1, 2]))
        event = Event(p, "invoke", f, arg)
        if rng.random() < 0.1:  # never completes
            events.append(event)
            budget.pop(p, None)
            continue
        open_calls[p] = event
        events.append(event)
    return operations_from_events(events)


def brute_force(ops: Sequence[Operation]) -> bool:
    known = [o for o in ops if REG.constrains(o) and o.ret is not None]
    unknown = [o for o in ops if REG.constrains(o) and o.ret is None]
    for size in range(len(unknown) + 1):
        for extra in combinations(unknown, size):
            chosen = [*known, *extra]
            for order in permutations(chosen):
                if _respects_real_time(order) and _legal(order):
                    return True
    return False


def _respects_real_time(order: Sequence[Operation]) -> bool:
    for i, earlier in enumerate(order):
        for later in order[i + 1 :]:
            if later.ret is not None and later.ret < earlier.call:
                return False
    return True


def _legal(order: Sequence[Operation]) -> bool:
    state: Hashable = REG.init()
    for o in order:
        nxt = REG.step(state, o)
        if nxt is None:
            return False
        state = nxt
    return True


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 2**32))
def test_search_agrees_with_brute_force(seed: int) -> None:
    ops = random_history(random.Random(seed))
    expected = "linearizable" if brute_force(ops) else "not linearizable"
    assert check(ops, REG).verdict == expected
    assert check(ops, REG, cache_limit=2).verdict == expected
