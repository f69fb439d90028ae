"""Print how the packages of a venv differ from the pins of a lock file.

Run with the venv's own interpreter: ``python scripts/lock_drift.py requirements/dev.lock``.
Markers are evaluated for this interpreter, so only the pins that apply here count.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def locked_pins(lock: Path) -> dict[str, str]:
    """Name -> pinned version of every lock entry whose marker holds here."""
    pins: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        if not line or line[0] in " #-":
            continue
        requirement = Requirement(line.rstrip(" \\"))
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        (specifier,) = requirement.specifier
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def installed() -> dict[str, str]:
    """Name -> version of every distribution in this interpreter's environment."""
    return {
        canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()
    }


def main() -> int:
    pins = locked_pins(Path(sys.argv[1]))
    have = installed()
    have.pop("rabia", None)
    changed = sorted(name for name in pins.keys() & have.keys() if pins[name] != have[name])
    print(f"newest releases vs {sys.argv[1]}:")
    for name in changed:
        print(f"  {name}: {pins[name]} -> {have[name]}")
    for name in sorted(have.keys() - pins.keys()):
        print(f"  {name}: not in the lock -> {have[name]}")
    for name in sorted(pins.keys() - have.keys()):
        print(f"  {name}: {pins[name]} -> not installed")
    if not changed and have.keys() == pins.keys():
        print("  (none: the lock is up to date)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
