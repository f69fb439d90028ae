"""State machines used by the end-to-end tests (loaded by `rabia node --machine`)."""

from __future__ import annotations

import json

from rabia.api import StateMachine


class AppendLog(StateMachine):
    """Appends every command; ``dump`` returns the whole log as JSON."""

    def __init__(self) -> None:
        self.entries: list[str] = []

    def apply(self, command: bytes) -> bytes:
        if command == b"dump":
            return json.dumps(self.entries).encode()
        self.entries.append(command.decode())
        return str(len(self.entries)).encode()

    def snapshot(self) -> bytes:
        return json.dumps(self.entries).encode()

    def restore(self, data: bytes) -> None:
        self.entries = json.loads(data)
