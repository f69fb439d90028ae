"""Did the previous run of a store keep everything it appended? (ADR 0010)

In ``batch`` and ``off`` an append is handed to the operating system without an fsync.
A process crash (``kill -9``, OOM) keeps it; only an OS crash or a power loss can lose
it. Stores therefore note, with a synced write at open, their durability mode and the
kernel boot they run under, and, with a synced write after their final flush, that they
closed cleanly. The next open trusts its records to be complete when the previous run
synced every append (``always``), closed cleanly, or ran under the same boot; the mode
the store is opened with now does not matter (switching ``off`` to ``always`` after a
power loss does not bring lost records back).
"""

from __future__ import annotations

import os
from pathlib import Path

BOOT_ID_PATH = Path("/proc/sys/kernel/random/boot_id")
BOOT_ID_ENV = "RABIA_BOOT_ID"
"""Overrides the boot id (tests use it to stand for a reboot between two runs)."""


def current_boot_id() -> str:
    """An id of the running kernel boot ("" where the system exposes none)."""
    override = os.environ.get(BOOT_ID_ENV)
    if override:
        return override
    try:
        return BOOT_ID_PATH.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def kept_everything(
    previous_durability: object, previous_boot: object, previous_clean: object, boot: str
) -> bool:
    """True when a run that noted these values lost nothing it appended, as seen from a
    run under ``boot``: it synced every append (``always``), closed cleanly, or ran
    under the same boot. Unknown values count as lost."""
    if previous_durability in ("always", b"always") or previous_clean in (1, b"1", "1"):
        return True
    if isinstance(previous_boot, bytes):
        previous_boot = previous_boot.decode("ascii", "replace")
    return bool(boot) and previous_boot == boot
