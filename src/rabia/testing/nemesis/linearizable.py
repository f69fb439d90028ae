"""The bridge to the linearizability checker, ``rabia.testing.linearizability``.

The checker is imported lazily, so the harness runs (and its other checks hold) where
it is not installed; ``check_history`` then raises ``CheckerMissing``.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

CHECKER = "rabia.testing.linearizability"


class CheckerMissing(RuntimeError):
    """``rabia.testing.linearizability`` cannot be imported."""


def check_history(path: Path, model: str, timeout: float | None = None) -> Any:
    """Check the JSONL history at ``path`` against ``model`` ("register", "kv"); the
    checker's result, whose ``verdict`` is "linearizable", "not linearizable" or
    "unknown"."""
    if importlib.util.find_spec(CHECKER) is None:
        raise CheckerMissing(f"{CHECKER} is not available; histories are kept as JSONL for it")
    checker = importlib.import_module(CHECKER)
    operations = checker.operations_from_events(checker.load(path, "jsonl"))
    return checker.check(operations, checker.MODELS[model](), timeout=timeout)
