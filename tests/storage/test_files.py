"""File-system helpers of the durable stores."""

from __future__ import annotations

from pathlib import Path

from rabia.storage.files import fsync_directory


def test_fsync_directory_syncs_a_directory_and_ignores_what_cannot_be_opened(
    tmp_path: Path,
) -> None:
    fsync_directory(tmp_path)
    fsync_directory(tmp_path / "missing")
