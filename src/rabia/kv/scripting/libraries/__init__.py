"""The Lua libraries Redis gives scripts: ``cjson``, ``cmsgpack``, ``bit`` and ``struct``."""

from __future__ import annotations

from typing import Any


def install(lua: Any) -> None:
    """Installs cjson, cmsgpack, bit and struct (filled in by the libraries branch)."""
