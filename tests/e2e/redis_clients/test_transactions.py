"""MULTI/EXEC, WATCH, UNWATCH and DISCARD at every node, a transaction applied as one log
entry."""

from __future__ import annotations

from tests.e2e.redis_clients.steps import (
    NODES,
    NOT_INT,
    UNKNOWN,
    E,
    arity,
    read_everywhere,
    run_steps,
)
from tests.e2e.redis_up import Conn


def test_transactions_at_every_node(conns: list[Conn]) -> None:
    queued = "QUEUED"
    for first in range(NODES):
        p = f"t{first}:"
        run_steps(
            conns,
            [
                # a transaction is applied as one log entry, read back everywhere
                (0, ["MULTI"], "OK"),
                (0, ["SET", p + "a", 1], queued),
                (0, ["INCR", p + "a"], queued),
                (0, ["GET", p + "a"], queued),
                (0, ["EXEC"], ["OK", 2, "2"]),
                *read_everywhere(p + "a", "2"),
                # a runtime error inside EXEC fails only its command
                (1, ["MULTI"], "OK"),
                (1, ["SET", p + "s", "text"], queued),
                (1, ["INCR", p + "s"], queued),
                (1, ["GET", p + "s"], queued),
                (1, ["EXEC"], ["OK", NOT_INT, "text"]),
                # WATCH, then a write at another node: EXEC answers nil, applies nothing
                (0, ["WATCH", p + "w", p + "other"], "OK"),
                (1, ["SET", p + "w", "theirs"], "OK"),
                (0, ["MULTI"], "OK"),
                (0, ["SET", p + "w", "mine"], queued),
                (0, ["SET", p + "after", "x"], queued),
                (0, ["EXEC"], None),
                *read_everywhere(p + "w", "theirs"),
                (2, ["EXISTS", p + "after"], 0),
                # WATCH without a conflicting write: applied
                (0, ["WATCH", p + "w"], "OK"),
                (0, ["MULTI"], "OK"),
                (0, ["SET", p + "w", "mine"], queued),
                (0, ["EXEC"], ["OK"]),
                *read_everywhere(p + "w", "mine"),
                # UNWATCH forgets the watched keys
                (2, ["WATCH", p + "w"], "OK"),
                (1, ["SET", p + "w", "theirs2"], "OK"),
                (2, ["UNWATCH"], "OK"),
                (2, ["MULTI"], "OK"),
                (2, ["SET", p + "w", "mine2"], queued),
                (2, ["EXEC"], ["OK"]),
                *read_everywhere(p + "w", "mine2"),
                # a command refused at queue time discards the whole transaction
                (1, ["MULTI"], "OK"),
                (1, ["SET", p + "b", 1], queued),
                (1, ["GET"], arity("get")),
                (1, ["NOSUCH"], E(f"{UNKNOWN} 'NOSUCH', with args beginning with: ")),
                (1, ["EXEC"], E("EXECABORT Transaction discarded because of previous errors.")),
                (0, ["EXISTS", p + "b"], 0),
                (2, ["EXISTS", p + "b"], 0),
                # DISCARD; MULTI, WATCH misuse
                (2, ["MULTI"], "OK"),
                (2, ["SET", p + "c", 1], queued),
                (2, ["MULTI"], E("ERR MULTI calls can not be nested")),
                (2, ["WATCH", p + "c"], E("ERR WATCH inside MULTI is not allowed")),
                (2, ["DISCARD"], "OK"),
                (0, ["EXISTS", p + "c"], 0),
                (2, ["DISCARD"], E("ERR DISCARD without MULTI")),
                (2, ["EXEC"], E("ERR EXEC without MULTI")),
                (2, ["WATCH"], arity("watch")),
            ],
            first,
        )
