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
from collections.abc import Mapping
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


MARKS = ("durability", "boot", "clean")
"""The metadata keys a store notes for its next open (values as text)."""


def marks(durability: str) -> dict[str, str]:
    """The marks a store writes, synced, when it opens (``clean`` becomes "1" at close)."""
    return {"durability": durability, "boot": current_boot_id(), "clean": "0"}


def kept_everything(noted: Mapping[str, str], durability: str) -> bool:
    """True when the run that wrote the marks ``noted`` lost nothing it appended, as seen
    from this run: it synced every append (``always``), closed cleanly, or ran under
    this boot. A store written before the marks existed is judged by ``durability``,
    the mode it is opened with."""
    if not noted:
        return durability == "always"
    if noted.get("durability") == "always" or noted.get("clean") == "1":
        return True
    boot = current_boot_id()
    return bool(boot) and noted.get("boot") == boot
