"""Every deliberately broken build a ``rabia node`` process may run: the runtime's
(``rabia.runtime.unsafe``) and the KV server's (``rabia.kv.unsafe``)."""

from __future__ import annotations

from rabia.kv import unsafe as kv_unsafe
from rabia.runtime import unsafe as runtime_unsafe

UNSAFE_NAMES = (*runtime_unsafe.NAMES, *kv_unsafe.NAMES)
"""Every name ``RABIA_UNSAFE`` may hold."""
