"""ReplDict and ReplSet served by 3 `rabia node` processes through the fault schedule of
``batteries_faults`` (a node SIGKILLed and restarted, another partitioned): every node
ends with the same content, and that content agrees with what the clients were told."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rabia.client import Client
from rabia.objects import remote
from rabia.objects.batteries import ReplDict, ReplSet
from tests.e2e.batteries_faults import (
    SECRET,
    MakeCluster,
    client_for,
    every_worker,
    make,
    under_faults,
)

SHARED = "shared"
"""The one ReplDict key every writer changes, only by compare_and_set."""


@dataclass(frozen=True)
class DictOp:
    """One acknowledged command of a writer on a key it alone writes."""

    key: str
    op: str  # "set", "pop" or "cas"
    args: tuple[bytes | None, ...]
    result: bytes | bool | None


def check_owned_history(history: list[DictOp], final: dict[str, bytes]) -> None:
    """Replay the acknowledged commands in order (each key has one writer, so its order
    is the writer's): every result is the one the replay predicts, and ``final`` holds
    the replayed value of every key that was touched."""
    model: dict[str, bytes] = {}
    for op in history:
        current = model.get(op.key)
        if op.op == "set":
            (value,) = op.args
            assert value is not None
            assert op.result == current, f"{op}: previous was {current!r}"
            model[op.key] = value
        elif op.op == "pop":
            assert op.result == current, f"{op}: value was {current!r}"
            model.pop(op.key, None)
        else:
            expected, value = op.args
            assert op.result == (expected == current), f"{op}: value was {current!r}"
            if op.result:
                if value is None:
                    model.pop(op.key, None)
                else:
                    model[op.key] = value
    touched = {op.key for op in history}
    assert {k: v for k, v in final.items() if k in touched} == model, "final content"


def check_cas_chain(successes: list[tuple[bytes | None, bytes]], final: bytes | None) -> None:
    """The successful compare_and_sets of one key (written only by them, with values
    never reused) form one chain from absent: no two succeeded from the same value,
    each starts where another ended, and the chain ends at ``final``."""
    after: dict[bytes | None, bytes] = {}
    for expected, value in successes:
        assert expected not in after, f"two successes from {expected!r}: a fork"
        after[expected] = value
    current: bytes | None = None
    for _ in successes:
        assert current in after, f"no success from {current!r}: the chain is broken"
        current = after[current]
    assert current == final, f"the chain ends at {current!r}, the key holds {final!r}"


def test_dict_ends_the_same_everywhere_and_agrees_with_the_writers(
    make_cluster: MakeCluster, tmp_path: Path
) -> None:
    cluster = make(make_cluster, tmp_path, "ReplDict")
    history: list[DictOp] = []
    successes: list[tuple[bytes | None, bytes]] = []

    async def writer(k: int, stop: asyncio.Event) -> None:
        rng = random.Random(k)
        keys = [f"w{k}-{j}" for j in range(3)]
        last: dict[str, bytes | None] = {}  # what this writer last wrote (may be stale)
        async with client_for(cluster, k) as client:
            mapping = remote(ReplDict, client)
            i = 0
            while not stop.is_set():
                i += 1
                key, value, roll = rng.choice(keys), b"%d-%d" % (k, i), rng.random()
                if roll < 0.25:  # the shared key: read, then compare_and_set from it
                    seen = await mapping.get(SHARED)
                    if await mapping.compare_and_set(SHARED, seen, value):
                        successes.append((seen, value))
                elif roll < 0.55:
                    history.append(DictOp(key, "set", (value,), await mapping.set(key, value)))
                    last[key] = value
                elif roll < 0.7:
                    history.append(DictOp(key, "pop", (), await mapping.pop(key)))
                    last[key] = None
                else:  # right or wrong expectation, store or remove
                    expected = last.get(key) if rng.random() < 0.7 else b"never"
                    new = value if rng.random() < 0.8 else None
                    done = await mapping.compare_and_set(key, expected, new)
                    history.append(DictOp(key, "cas", (expected, new), done))
                    if done:
                        last[key] = new

    async def check() -> None:
        contents = []
        for address in cluster.addresses():
            async with Client([address], secret=SECRET) as client:
                mapping = remote(ReplDict, client)
                keys = await mapping.keys()
                contents.append({key: await mapping.get(key) for key in keys})
        assert all(c == contents[0] for c in contents), contents
        final = {k: v for k, v in contents[0].items() if v is not None}
        check_owned_history(history, final)
        check_cas_chain(successes, final.get(SHARED))

    asyncio.run(under_faults(cluster, every_worker(writer), check))
    assert len(history) > 30 and len(successes) > 5, "too little load to mean anything"


@dataclass(frozen=True)
class SetOp:
    """One acknowledged add/discard that changed the set, with when the client sent it
    and got its answer (time.monotonic)."""

    element: str
    op: str  # "add" or "discard"
    sent: float
    answered: float


def check_set_history(changes: list[SetOp], final: set[str], elements: list[str]) -> None:
    """Per element, the changes alternate add, discard, add... from absent: two adds (or
    discards) one after the other in real time need a change of the other kind whose
    request overlaps the span between them; the counts of adds and discards differ by
    one exactly when the element is in ``final``."""
    for element in elements:
        mine = [c for c in changes if c.element == element]
        adds = [c for c in mine if c.op == "add"]
        discards = [c for c in mine if c.op == "discard"]
        in_final = element in final
        assert len(adds) - len(discards) == int(in_final), (
            f"{element}: {len(adds)} adds, {len(discards)} discards, in the end: {in_final}"
        )
        for same, other in ((adds, discards), (discards, adds)):
            for first in same:
                for second in same:
                    if first.answered >= second.sent:
                        continue  # not one after the other
                    between = [
                        o for o in other if o.sent < second.answered and o.answered > first.sent
                    ]
                    assert between, f"{element}: {first} then {second} with nothing between"


def test_set_changes_alternate_and_end_the_same_everywhere(
    make_cluster: MakeCluster, tmp_path: Path
) -> None:
    cluster = make(make_cluster, tmp_path, "ReplSet")
    elements = [f"e{j}" for j in range(4)]
    changes: list[SetOp] = []
    answers = 0

    async def writer(k: int, stop: asyncio.Event) -> None:
        nonlocal answers
        rng = random.Random(100 + k)
        async with client_for(cluster, k) as client:
            members = remote(ReplSet, client)
            while not stop.is_set():
                element, op = rng.choice(elements), rng.choice(("add", "discard"))
                sent = time.monotonic()
                changed = await (members.add if op == "add" else members.discard)(element)
                answers += 1
                if changed:
                    changes.append(SetOp(element, op, sent, time.monotonic()))

    async def check() -> None:
        views = []
        for address in cluster.addresses():
            async with Client([address], secret=SECRET) as client:
                members = remote(ReplSet, client)
                listed = await members.members()
                assert [e for e in elements if await members.contains(e)] == listed
                views.append(listed)
        assert all(v == views[0] for v in views), views
        check_set_history(changes, set(views[0]), elements)

    asyncio.run(under_faults(cluster, every_worker(writer), check))
    assert answers > 30 and len(changes) > 10, "too little load to mean anything"


def test_the_collection_checks_catch_wrong_histories() -> None:
    ok = [DictOp("a", "set", (b"1",), None), DictOp("a", "cas", (b"1", None), True)]
    check_owned_history(ok, {})
    check_cas_chain([(None, b"1"), (b"1", b"2")], b"2")
    check_set_history([SetOp("x", "add", 0, 1), SetOp("x", "discard", 2, 3)], set(), ["x"])
    wrong: list[Callable[[], None]] = [
        lambda: check_owned_history(ok, {"a": b"1"}),  # the removal is lost
        lambda: check_owned_history([DictOp("a", "pop", (), b"1")], {}),  # popped a ghost
        lambda: check_cas_chain([(None, b"1"), (None, b"2")], b"2"),  # a fork
        lambda: check_cas_chain([(None, b"1"), (b"1", b"2")], b"1"),  # the last is lost
        lambda: check_set_history(  # a double insert
            [SetOp("x", "add", 0, 1), SetOp("x", "add", 2, 3), SetOp("x", "discard", 4, 5)],
            {"x"},
            ["x"],
        ),
        lambda: check_set_history([SetOp("x", "add", 0, 1)], set(), ["x"]),  # add lost
    ]
    for index, run in enumerate(wrong):
        try:
            run()
        except AssertionError:
            continue
        raise AssertionError(f"wrong history {index} accepted")
