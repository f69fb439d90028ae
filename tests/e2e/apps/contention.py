"""Mutual exclusion under contention, measured: threads, each with its own client of a
node, increment a counter with a non-atomic GET and SET while holding a lock; each
records when it held the lock. With a correct lock the counter ends exact and no two
holding intervals overlap."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

import redis

from tests.e2e.apps.support import WAIT, at_every_node

Locking = Callable[[redis.Redis], AbstractContextManager[object]]
"""Makes a held-while-entered lock for one client (the lock under test)."""

COUNTER = "apps:counter"


class Contention:
    """``workers`` threads over the nodes ``ports`` (worker i on ``ports[i % n]``), each
    doing ``rounds`` locked increments."""

    def __init__(self, locking: Locking, ports: Sequence[int], workers: int, rounds: int) -> None:
        self.locking = locking
        self.ports = list(ports)
        self.rounds = rounds
        self.held: list[tuple[float, float, int]] = []
        """(entered, left, worker) for every time a worker held the lock."""
        self.errors: list[BaseException] = []
        self._guard = threading.Lock()
        self._threads = [
            threading.Thread(target=self._work, args=(i,), daemon=True) for i in range(workers)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        deadline = time.monotonic() + 2 * WAIT
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in self._threads), "workers still running"
        assert self.errors == []

    def progress(self) -> int:
        """Increments done so far."""
        with self._guard:
            return len(self.held)

    def _work(self, worker: int) -> None:
        client = redis.Redis(port=self.ports[worker % len(self.ports)], socket_timeout=WAIT)
        try:
            for _ in range(self.rounds):
                with self.locking(client):
                    entered = time.monotonic()
                    value = int(client.get(COUNTER) or 0)
                    time.sleep(0.002)  # widen the window a second holder would fall in
                    client.set(COUNTER, value + 1)
                    left = time.monotonic()
                with self._guard:
                    self.held.append((entered, left, worker))
        except BaseException as exc:  # reported by join()
            self.errors.append(exc)
        finally:
            client.close()

    def check(self, every_node: Sequence[int]) -> None:
        """The counter is exact at every node of ``every_node``; no two holders overlap."""
        total = len(self._threads) * self.rounds
        assert len(self.held) == total
        assert at_every_node(every_node, lambda c: int(c.get(COUNTER) or 0)) == [total] * len(
            every_node
        )
        ordered = sorted(self.held)
        overlaps = [(a, b) for a, b in itertools.pairwise(ordered) if b[0] < a[1]]
        assert overlaps == [], f"{len(overlaps)} overlapping holders, first: {overlaps[0]}"
