"""DataDirLock: one process per data directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rabia.storage.lock import DataDirInUse, DataDirLock


def test_a_second_lock_is_refused_until_the_first_is_released(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    first = DataDirLock(directory)
    assert (directory / "LOCK").read_text() == f"{os.getpid()}\n"
    with pytest.raises(DataDirInUse, match="in use by another rabia process"):
        DataDirLock(directory)
    first.release()
    first.release()  # idempotent
    second = DataDirLock(directory)
    second.release()
