"""The comparison every differential suite makes: each reply, then the final state.

Redis answers some commands in hash-table order, which no replica of a replicated store
can reproduce (and clients must not rely on): those replies are compared as multisets
(``ORDER_FREE``). Any other deliberate difference is listed in docs/kv.md and passed to
``same_behaviour`` as a ``normalize`` function by the suite that meets it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tests.differential.oracle import Command, Differential, array_items, differences

Normalize = Callable[[Command, bytes], bytes]
"""Maps a reply to a form where a deliberate difference disappears."""


def sorted_items(reply: bytes) -> bytes:
    """An array reply with its elements sorted (other replies unchanged)."""
    if not reply.startswith(b"*") or reply.startswith(b"*-"):
        return reply
    items = array_items(reply)
    return b"*%d\r\n%s" % (len(items), b"".join(sorted(items)))


def sorted_pairs(reply: bytes) -> bytes:
    """A flat array of (field, value) pairs with the pairs sorted."""
    if not reply.startswith(b"*") or reply.startswith(b"*-"):
        return reply
    items = array_items(reply)
    pairs = sorted(zip(items[0::2], items[1::2], strict=True))
    return b"*%d\r\n%s" % (len(items), b"".join(a + b for a, b in pairs))


ORDER_FREE: dict[bytes, Callable[[bytes], bytes]] = {
    b"KEYS": sorted_items,
    b"HGETALL": sorted_pairs,
    b"HKEYS": sorted_items,
    b"HVALS": sorted_items,
    b"SMEMBERS": sorted_items,
    b"SINTER": sorted_items,
    b"SUNION": sorted_items,
    b"SDIFF": sorted_items,
}
"""Commands (upper case) whose reply order is Redis's hash-table order, and how to
compare them regardless of order. Each type's suite adds its own."""


def order_free(command: Command, reply: bytes) -> bytes:
    """The reply in a form that ignores hash-table order, for ``ORDER_FREE`` commands."""
    canonical = ORDER_FREE.get(command[0].upper())
    return reply if canonical is None else canonical(reply)


def same_behaviour(
    diff: Differential, commands: Sequence[Command], normalize: Normalize | None = None
) -> None:
    """Run ``commands`` on both sides from empty: every reply and the final states equal."""
    diff.fresh()
    pairs = [
        (c, order_free(c, ours), order_free(c, theirs)) for c, ours, theirs in diff.run(commands)
    ]
    if normalize is not None:
        pairs = [(c, normalize(c, ours), normalize(c, theirs)) for c, ours, theirs in pairs]
    problems = list(differences(pairs))
    assert problems == [], "\n".join(problems)
    ours, theirs = diff.states()
    assert ours == theirs, f"final states differ:\nrabia {ours}\nredis {theirs}"
