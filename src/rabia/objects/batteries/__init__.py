"""Ready-made replicated objects: use them with ``local``/``remote``, or serve one with
``rabia node --machine rabia.objects.batteries:ReplDict`` (or ReplCounter, ReplSet,
ReplQueue, ReplLockManager). See docs/objects.md, "Batteries"."""

from rabia.objects.batteries.counter import ReplCounter
from rabia.objects.batteries.locks import Grant, Lease, ReplLockManager
from rabia.objects.batteries.mapping import ReplDict
from rabia.objects.batteries.queue import AppliedSignal, ReplQueue, blocking_get
from rabia.objects.batteries.sets import ReplSet

__all__ = [
    "AppliedSignal",
    "Grant",
    "Lease",
    "ReplCounter",
    "ReplDict",
    "ReplLockManager",
    "ReplQueue",
    "ReplSet",
    "blocking_get",
]
