"""Test-session set-up shared by every test directory."""

from __future__ import annotations

from typing import Any

import pytest

ONE_WORKER_SCOPES = (
    "tests/e2e/redis_clients/",
    "tests/e2e/test_redis_auth.py",
    *(
        f"tests/e2e/apps/test_{name}.py"
        for name in ("celery", "rq", "redis_py_lock", "python_redis_lock", "django_cache")
    ),
)
"""Folders and modules whose tests share one `rabia up` cluster (a package- or module-scoped
fixture): under pytest-xdist all of their tests run on one worker, so each cluster starts
once. (xdist's own ``--dist loadgroup`` marks do not reach it with pytest 9's node ids.)"""


def one_worker_scope(nodeid: str) -> str | None:
    """The entry of ``ONE_WORKER_SCOPES`` that holds the test ``nodeid``, if any."""
    module = nodeid.split("::", 1)[0]
    for scope in ONE_WORKER_SCOPES:
        if module == scope or (scope.endswith("/") and module.startswith(scope)):
            return scope
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``-n N``'s default load scheduling, except that each entry of
    ``ONE_WORKER_SCOPES`` is one unit of work."""
    if config.getvalue("dist") != "load":
        return None  # an explicit --dist keeps its meaning
    from xdist.scheduler import LoadScopeScheduling

    class ModuleGroups(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return one_worker_scope(nodeid) or nodeid

    return ModuleGroups(config, log)
