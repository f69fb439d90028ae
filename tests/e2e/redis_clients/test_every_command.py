"""Every command of the table is named by the redis_clients modules."""

from __future__ import annotations

from pathlib import Path

from rabia.kv.commands.table import COMMANDS


def test_every_supported_command_is_covered() -> None:
    """Every command of the table: the modules of this folder name each of them."""
    source = "".join(p.read_text() for p in sorted(Path(__file__).parent.glob("test_*.py")))
    missing = [
        name.decode().upper()
        for name in COMMANDS
        if name != b"watchrev" and f'"{name.decode().upper()}"' not in source
    ]
    assert missing == []
