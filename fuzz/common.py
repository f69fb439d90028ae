"""Shared set-up of the atheris targets: import paths, chunking, the entry point.

Every target runs as ``python fuzz/<target>.py [libFuzzer flags] [corpus dirs]``, e.g.
``python fuzz/resp_target.py -max_total_time=60``. An uncaught exception is a crash:
libFuzzer writes the input to ``crash-<sha1>`` (see ``-artifact_prefix``) and exits 1.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This checkout's sources first (before an installed or editable rabia), and the
# repository root for ``tests.fuzz.harness``.
for path in (str(ROOT), str(ROOT / "src")):
    if path in sys.path:
        sys.path.remove(path)
    sys.path.insert(0, path)

import atheris  # noqa: E402


def header(data: bytes) -> tuple[int, int, bytes]:
    """Split an input into (mode byte, chunk size, payload): the first byte picks the
    mode, the second the segment size the payload is delivered in (0: all at once)."""
    mode = data[0] if data else 0
    size = data[1] * 4 if len(data) > 1 else 0
    return mode, size, data[2:]


def cut(payload: bytes, size: int) -> list[bytes]:
    """``payload`` in segments of ``size`` bytes (one segment when ``size`` is 0)."""
    if size <= 0:
        return [payload] if payload else []
    return [payload[i : i + size] for i in range(0, len(payload), size)]


def run(test_one_input: Callable[[bytes], None]) -> None:
    """Hand ``test_one_input`` to libFuzzer with this process's arguments."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
