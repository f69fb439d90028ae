"""What ACL rules name: command ids (``get``, and ``client|id`` for a container
command's subcommands) and the categories grouping them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

CATEGORIES: tuple[bytes, ...] = (
    *(b"keyspace", b"read", b"write", b"set", b"sortedset", b"list", b"hash", b"string"),
    *(b"bitmap", b"hyperloglog", b"geo", b"stream", b"pubsub", b"admin", b"fast", b"slow"),
    *(b"blocking", b"dangerous", b"connection", b"transaction", b"scripting"),
)
"""Redis 7.0's ACL categories, in its order (ACL CAT, and how rules are described)."""


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every command id and the categories of each.

    ``ids``: command names and ``name|sub`` for each subcommand of a container command;
    ``members``: category -> its ids (every category of ``CATEGORIES`` present);
    ``subcommands``: container name -> its ``name|sub`` ids."""

    ids: frozenset[bytes]
    members: Mapping[bytes, frozenset[bytes]]
    subcommands: Mapping[bytes, tuple[bytes, ...]]

    def family(self, name: bytes) -> frozenset[bytes]:
        """``name`` and, for a container, its subcommands' ids."""
        return frozenset((name, *self.subcommands.get(name, ())))

    def ordered(self) -> list[bytes]:
        """Every id, containers followed by their subcommands, by name."""
        out: list[bytes] = []
        for name in sorted(i for i in self.ids if b"|" not in i):
            out.append(name)
            out.extend(sorted(self.subcommands.get(name, ())))
        return out
