"""The search for one partition: Wing & Gong's algorithm with Lowe's just-in-time
linearization and memoization, as Porcupine does it.

Every operation contributes a call entry and a return entry (at +infinity when its
outcome is unknown) to a doubly linked list sorted by time. The search walks the
list: at a call entry it tries to linearize that operation next (the model accepts
it and the (linearized set, state) pair is new), *lifting* both its entries out of
the list and starting over from the head; at a return entry it is stuck, since that
operation had to be linearized before anything later was, so it backtracks, putting
the last operation back (*unlifting* it) and trying the next call after it. It
succeeds once every operation with a known outcome is linearized: the others may
simply never have happened. The linearized set is a bitset in a Python ``int``.

A :class:`Search` runs in slices (:meth:`Search.advance`), so a caller can interleave
several partitions and stop at a deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

Outcome = Literal["linearizable", "not linearizable", "unknown"]
Step = Callable[[Hashable], Hashable | None]


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What the search of one partition found; positions index its operation list.

    ``prefix`` is the longest linearization the search built, in order; ``stuck``
    the operation whose return it could not get past with that prefix (``None``
    when linearizable); ``pending`` the operations it could have linearized next
    (called before ``stuck`` returned, ``stuck`` included); ``state`` the model's
    state after ``prefix``. ``explored`` counts loop iterations.
    """

    outcome: Outcome
    prefix: tuple[int, ...]
    stuck: int | None
    pending: tuple[int, ...]
    state: Hashable
    explored: int


class Search:
    """A resumable search for a linearization of operations ``0..n-1``.

    ``steps[i](state)`` is the state after op ``i``, or ``None`` if op ``i`` cannot
    happen in ``state``; ``calls[i]`` and ``rets[i]`` are its times, ``rets[i] is
    None`` marking an unknown outcome. At equal times calls sort before returns, so
    touching intervals overlap.
    """

    def __init__(
        self,
        steps: Sequence[Step],
        calls: Sequence[float],
        rets: Sequence[float | None],
        init: Hashable,
    ) -> None:
        n = len(steps)
        inf = float("inf")
        times = [*calls, *(inf if r is None else r for r in rets)]
        # Entry i < n is op i's call, entry n + i its return; head and tail are sentinels.
        order = sorted(range(2 * n), key=lambda e: (times[e], e >= n, e))
        self._n = n
        self._head = 2 * n
        self._steps = list(steps)
        self._next = [0] * (2 * n + 2)
        self._prev = [0] * (2 * n + 2)
        chain = [self._head, *order, 2 * n + 1]
        for a, b in pairwise(chain):
            self._next[a] = b
            self._prev[b] = a
        self._known = [r is not None for r in rets]
        self._left = sum(self._known)  # known-outcome ops not yet linearized
        self._bits = [1 << i for i in range(n)]
        self._cache: set[tuple[int, Hashable]] = set()
        self._stack: list[tuple[int, Hashable]] = []  # (op, state before it)
        self._linearized = 0
        self._state = init
        self._entry = self._next[self._head]
        self._best: tuple[tuple[int, ...], int, tuple[int, ...], Hashable] | None = None
        self._explored = 0
        self._result: SearchResult | None = None
        if self._left == 0:
            self._result = SearchResult("linearizable", (), None, (), init, 0)

    @property
    def cache_size(self) -> int:
        """Configurations remembered as explored."""
        return len(self._cache)

    def forget(self) -> None:
        """Drop the memo of explored configurations to free memory (the search stays
        correct; it may revisit some)."""
        self._cache.clear()

    @property
    def done(self) -> bool:
        """Whether the search has reached a verdict."""
        return self._result is not None

    def result(self) -> SearchResult:
        """The verdict, or ``"unknown"`` with the best prefix so far if not done."""
        if self._result is not None:
            return self._result
        return _from_best("unknown", self._best, self._explored)

    def advance(self, budget: int) -> bool:
        """Run at most ``budget`` loop iterations; return :attr:`done`."""
        if self._result is not None:
            return True
        n, head = self._n, self._head
        nxt, prv, steps, known, bits = self._next, self._prev, self._steps, self._known, self._bits
        cache, stack = self._cache, self._stack
        linearized, state, entry, left = self._linearized, self._state, self._entry, self._left
        remaining = budget
        while remaining:
            remaining -= 1
            if entry < n:
                new = steps[entry](state)
                if new is not None:
                    bitset = linearized | bits[entry]
                    seen = (bitset, new)
                    if seen not in cache:
                        cache.add(seen)
                        stack.append((entry, state))
                        linearized, state = bitset, new
                        # Lift the call and its return out of the list.
                        p, q = prv[entry], nxt[entry]
                        nxt[p], prv[q] = q, p
                        r = entry + n
                        p, q = prv[r], nxt[r]
                        nxt[p], prv[q] = q, p
                        if known[entry]:
                            left -= 1
                            if left == 0:
                                prefix = tuple(e for e, _ in stack)
                                self._finish(
                                    SearchResult("linearizable", prefix, None, (), state, 0),
                                    budget - remaining,
                                )
                                return True
                        entry = nxt[head]
                        continue
                entry = nxt[entry]
                continue
            # A return entry: its operation had to be linearized by now. Stuck.
            best = self._best
            if best is None or len(stack) > len(best[0]):
                pending = _pending(nxt, head, entry, n)
                self._best = (tuple(e for e, _ in stack), entry - n, pending, state)
            if not stack:
                self._finish(_from_best("not linearizable", self._best, 0), budget - remaining)
                return True
            entry, state = stack.pop()
            linearized ^= bits[entry]
            if known[entry]:
                left += 1
            # Unlift: put the return back, then the call; then try the next call.
            r = entry + n
            nxt[prv[r]] = r
            prv[nxt[r]] = r
            nxt[prv[entry]] = entry
            prv[nxt[entry]] = entry
            entry = nxt[entry]
        self._linearized, self._state, self._entry, self._left = linearized, state, entry, left
        self._explored += budget
        return False

    def _finish(self, result: SearchResult, iterations: int) -> None:
        explored = self._explored + iterations
        self._result = SearchResult(
            result.outcome, result.prefix, result.stuck, result.pending, result.state, explored
        )
        self._cache.clear()


def _pending(nxt: list[int], head: int, stop: int, n: int) -> tuple[int, ...]:
    """The calls still in the list before entry ``stop``."""
    found = []
    entry = nxt[head]
    while entry != stop:
        if entry < n:
            found.append(entry)
        entry = nxt[entry]
    return tuple(found)


def _from_best(
    outcome: Outcome,
    best: tuple[tuple[int, ...], int, tuple[int, ...], Hashable] | None,
    explored: int,
) -> SearchResult:
    if best is None:
        return SearchResult(outcome, (), None, (), None, explored)
    prefix, stuck, pending, state = best
    return SearchResult(outcome, prefix, stuck, pending, state, explored)
