"""Per-slot configurations: which replicas are members of which slots (ADR 0006).

A membership change is a log entry: a batch of kind ``KIND_RECONFIGURE`` whose payload
is a ``Reconfigure``. When slot ``s`` decides such a batch and the change is valid, the
new member set governs every slot from ``s + 1`` on, with the epoch incremented. An
invalid change (adds a member, removes a non-member, empties the set, or changes more
or less than one member) is a deterministic no-op on every replica.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Sequence

import msgspec

from rabia.core.config import QuorumSizes
from rabia.core.messages import KIND_RECONFIGURE, Batch
from rabia.core.ready import ConfigChanged


class Reconfigure(msgspec.Struct, frozen=True, array_like=True):
    """The payload of a reconfiguration batch: members to add (with an address) and remove."""

    add: tuple[tuple[int, str], ...] = ()
    """(member id, peer address): the address is opaque to the core (for the runtime)."""
    remove: tuple[int, ...] = ()


class Configuration(QuorumSizes, msgspec.Struct, frozen=True, array_like=True):
    """The member set governing slots ``start`` .. (the next configuration's start - 1)."""

    start: int
    epoch: int
    members: tuple[int, ...]
    addresses: tuple[tuple[int, str], ...] = ()
    """(member id, address) for the members whose address is known (sorted by id)."""


_encode = msgspec.msgpack.Encoder().encode
_decode_change = msgspec.msgpack.Decoder(Reconfigure).decode
_decode_configs = msgspec.msgpack.Decoder(tuple[Configuration, ...]).decode


def encode_change(add: Sequence[tuple[int, str]], remove: Sequence[int]) -> bytes:
    """The payload of a reconfiguration batch."""
    return _encode(Reconfigure(tuple((int(m), str(a)) for m, a in add), tuple(remove)))


def decode_change(payload: bytes) -> Reconfigure | None:
    """The change a reconfiguration payload holds; None when malformed."""
    try:
        return _decode_change(payload)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def encode_configs(configs: Sequence[Configuration]) -> bytes:
    """Deterministic bytes of a configuration list (for the core snapshot)."""
    return _encode(tuple(configs))


def decode_configs(data: bytes) -> tuple[Configuration, ...]:
    """Inverse of ``encode_configs``; raises ``ValueError`` on malformed bytes."""
    try:
        configs = _decode_configs(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ValueError(f"malformed configurations: {exc}") from None
    for before, after in itertools.pairwise(configs):
        if after.start <= before.start:
            raise ValueError("malformed configurations: starts must increase")
    return configs


def next_configuration(
    current: Configuration, slot: int, change: Reconfigure
) -> Configuration | None:
    """The configuration a change decided in ``slot`` installs from ``slot + 1``, or None
    when the change is invalid (then it is a no-op on every replica)."""
    members = set(current.members)
    if len(change.add) + len(change.remove) != 1:
        return None
    addresses = dict(current.addresses)
    for member, address in change.add:
        if member in members or member < 0:
            return None
        members.add(member)
        addresses[member] = address
    for member in change.remove:
        if member not in members:
            return None
        members.discard(member)
        addresses.pop(member, None)
    if not members:
        return None
    return Configuration(
        slot + 1,
        current.epoch + 1,
        tuple(sorted(members)),
        tuple(sorted(addresses.items())),
    )


def config_changed(config: Configuration) -> ConfigChanged:
    """The event saying that ``config`` governs every slot from its start on."""
    return ConfigChanged(config.start - 1, config.epoch, config.members, config.addresses)


class ConfigHistory:
    """The configurations of a replica, by start slot; the last one has no end yet."""

    __slots__ = ("_configs", "_starts")

    def __init__(self, configs: Sequence[Configuration]) -> None:
        if not configs:
            raise ValueError("a history needs at least one configuration")
        self._configs = list(configs)
        self._starts = [c.start for c in configs]

    @property
    def configs(self) -> tuple[Configuration, ...]:
        """Every configuration known, oldest first."""
        return tuple(self._configs)

    @property
    def latest(self) -> Configuration:
        """The configuration of every slot from its start on (as far as this replica knows)."""
        return self._configs[-1]

    def at(self, slot: int) -> Configuration:
        """The configuration covering ``slot`` (the oldest one for slots before it)."""
        if slot >= self._starts[-1]:
            return self._configs[-1]
        return self._configs[max(0, bisect_right(self._starts, slot) - 1)]

    def since(self, slot: int) -> tuple[Configuration, ...]:
        """The configurations covering ``slot`` and every later slot."""
        i = max(0, bisect_right(self._starts, slot) - 1)
        return tuple(self._configs[i:])

    def decided(self, slot: int, batch: Batch | None) -> Configuration | None:
        """Take the decision of ``slot``; the new configuration when it is a valid change."""
        if batch is None or batch.kind != KIND_RECONFIGURE:
            return None
        if slot + 1 <= self._starts[-1]:
            return None  # already known (e.g. from a snapshot)
        change = decode_change(batch.payload)
        if change is None:
            return None
        new = next_configuration(self.at(slot), slot, change)
        if new is not None:
            self._configs.append(new)
            self._starts.append(new.start)
        return new

    def replace(self, configs: Sequence[Configuration]) -> None:
        """Adopt the configurations of an installed snapshot."""
        if configs:
            self._configs = list(configs)
            self._starts = [c.start for c in configs]

    def members_since(self, slot: int) -> frozenset[int]:
        """Every member of a configuration covering ``slot`` or a later slot."""
        out: set[int] = set()
        for config in self.since(slot):
            out.update(config.members)
        return frozenset(out)
