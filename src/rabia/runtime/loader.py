"""Load a user's ``StateMachine`` class from ``module:Class`` or ``path/to/file.py:Class``."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from rabia.api import StateMachine


def load_machine(spec: str) -> StateMachine:
    """Instantiate the StateMachine named by ``spec`` (its constructor takes no arguments)."""
    target, sep, name = spec.rpartition(":")
    if not sep or not target or not name:
        raise ValueError(f"expected module:Class or file.py:Class, got {spec!r}")
    if target.endswith(".py"):
        path = Path(target)
        module_name = f"rabia_user_{path.stem}"
        loader_spec = importlib.util.spec_from_file_location(module_name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise ValueError(f"cannot load {path}")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[module_name] = module
        loader_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    cls = getattr(module, name, None)
    if not isinstance(cls, type) or not issubclass(cls, StateMachine):
        raise ValueError(f"{spec} is not a rabia.api.StateMachine subclass")
    return cls()
