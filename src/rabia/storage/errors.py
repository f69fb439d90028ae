"""Errors raised by the durable storages."""

from __future__ import annotations

from pathlib import Path


class StorageCorrupted(Exception):
    """A storage file cannot be trusted: not a store, structurally damaged, or a record
    fails its checksum or decoding.

    The node must not start from it (it could forget what it said, protocol notes 5b):
    repair or remove the file and let the node rejoin as a new member.
    """

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"storage file {str(self.path)!r} is corrupted: {reason}")
