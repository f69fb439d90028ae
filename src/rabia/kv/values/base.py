"""What every non-string value has: its Redis type name, its revision, its size, and a
deterministic snapshot form."""

from __future__ import annotations

from typing import ClassVar, Self


class WrongType(Exception):
    """A command met a key holding another type: the command replies WRONGTYPE.

    Raised by the keyspace's typed accessors; ``MachineContext.run`` turns it into the
    reply. Handlers look up (and so check) every key they need before changing anything,
    as Redis does, so a WRONGTYPE never leaves a half-applied command behind.
    """


class TypedValue:
    """A value that is not a string: a hash, list, set, sorted set or stream.

    ``revision`` is the revision of the key's last modification (the keyspace stamps it;
    strings carry theirs in their 8-byte prefix instead). A subclass keeps its content in
    whatever structure serves its commands and turns it into bytes for snapshots;
    ``encode`` must be deterministic (the same content gives the same bytes on every
    replica: sort what has no order of its own).
    """

    __slots__ = ("revision",)

    TYPE: ClassVar[bytes] = b""
    """The ``TYPE`` reply (``hash``, ``list``, ``set``, ``zset``, ``stream``)."""
    ENCODING: ClassVar[bytes] = b""
    """What ``OBJECT ENCODING`` answers for this type."""

    def __init__(self) -> None:
        self.revision = 0

    def encoding(self) -> bytes:
        """``OBJECT ENCODING``'s answer for this value (by default the type's)."""
        return self.ENCODING

    def __len__(self) -> int:
        """Elements held; an empty collection is removed from the keyspace (not streams)."""
        raise NotImplementedError

    @property
    def removable_when_empty(self) -> bool:
        """Whether the key disappears once empty (every type but streams)."""
        return True

    def encode(self) -> bytes:
        """Deterministic bytes of the content, for a snapshot."""
        raise NotImplementedError

    @classmethod
    def decode(cls, data: bytes) -> Self:
        """The value ``encode`` wrote; ``ValueError`` on malformed bytes."""
        raise NotImplementedError

    def copy(self) -> Self:
        """An independent copy (COPY, and snapshots of values that change in place)."""
        return self.decode(self.encode())
