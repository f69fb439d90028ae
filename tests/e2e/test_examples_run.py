"""The README's library examples run as shown."""

from __future__ import annotations

import subprocess
import sys

from tests.e2e.cluster import ROOT


def run_example(name: str) -> str:
    """What ``python examples/<name>`` prints (it must exit 0 within a minute)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / name)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


def test_embedded_example_runs() -> None:
    out = run_example("embedded.py")
    assert "results: [28, 29, 30] ..." in out
    assert "node 2 sees: b'30'" in out


def test_replicated_object_example_runs() -> None:
    """The README's quick start: a typed replicated object on three embedded nodes."""
    out = run_example("replicated.py")
    assert out.splitlines() == ["refused: bob", "alice 70 bob 30"], out
