"""The README's library example runs as shown."""

from __future__ import annotations

import subprocess
import sys

from tests.e2e.cluster import ROOT


def test_embedded_example_runs() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "embedded.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "results: [28, 29, 30] ..." in out
    assert "node 2 sees: b'30'" in out


def test_replicated_object_example_runs() -> None:
    """The README's quick start: a typed replicated object on three embedded nodes."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "replicated.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert out.splitlines() == ["refused: bob", "alice 70 bob 30"], out
