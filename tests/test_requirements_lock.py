"""The lock file covers pyproject.toml: every declared dependency is pinned there, at a
version the declared range allows (a dependency added without `make lock` fails here)."""

from __future__ import annotations

import os
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def _pins() -> dict[str, list[Version]]:
    pins: dict[str, list[Version]] = {}
    for line in (ROOT / "requirements" / "dev.lock").read_text().splitlines():
        if line and line[0] not in " #-":
            requirement = Requirement(line.rstrip(" \\"))
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", line
            pins.setdefault(canonicalize_name(requirement.name), []).append(
                Version(specifier.version)
            )
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [Requirement(r) for r in project["dependencies"]]
    declared += [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    return declared


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pins = _pins()
    for requirement in _declared():
        versions = pins.get(canonicalize_name(requirement.name))
        assert versions, f"{requirement.name} is not in requirements/dev.lock: run `make lock`"
        for version in versions:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{requirement.name}=={version} in the lock is outside {requirement.specifier}"
            )


@pytest.mark.skipif(
    bool(os.environ.get("RABIA_UNLOCKED")), reason="make test-latest: newest releases"
)
def test_installed_versions_match_the_lock() -> None:
    """The venv running the tests holds the locked versions."""
    pins = _pins()
    for requirement in _declared():
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": "dev"}):
            continue
        name = canonicalize_name(requirement.name)
        installed = Version(metadata.version(name))
        assert installed in pins[name], f"{name} {installed} installed, lock pins {pins[name]}"
