"""Test-session set-up shared by every test directory."""

from __future__ import annotations

from typing import Any

import pytest

ONE_WORKER_MODULES = (
    "tests/e2e/redis_clients/test_strings_and_keys.py",
    "tests/e2e/test_redis_auth.py",
)
"""Modules whose tests share one `rabia up` cluster (a module-scoped fixture): under
pytest-xdist all of a module's tests run on one worker, so its cluster starts once.
(xdist's own ``--dist loadgroup`` marks do not reach it with pytest 9's node ids.)"""


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``-n N``'s default load scheduling, except that each module of
    ``ONE_WORKER_MODULES`` is one unit of work."""
    if config.getvalue("dist") != "load":
        return None  # an explicit --dist keeps its meaning
    from xdist.scheduler import LoadScopeScheduling

    class ModuleGroups(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_WORKER_MODULES else nodeid

    return ModuleGroups(config, log)
