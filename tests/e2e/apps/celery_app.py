"""The Celery application of the Celery suite: a Redis broker and result backend at one
rabia node. The suite's worker runs it as ``python -m celery -A tests.e2e.apps.celery_app
worker`` with ``RABIA_CELERY_URL`` naming its node; the tests make one per node with
``make_app``. Tasks are named, so a producer's app and the worker's agree on them."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, Task


def make_app(url: str) -> Celery:
    """The application with broker and result backend at ``url`` (short visibility
    timeout: a message a worker took and lost is delivered again after 10 s)."""
    app = Celery("rabia_apps", broker=url, backend=url, set_as_current=False)
    app.conf.update(
        broker_transport_options={"visibility_timeout": 10},
        result_expires=600,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )

    @app.task(name="apps.add", shared=False)
    def add(x: int, y: int) -> int:
        return x + y

    @app.task(name="apps.total", shared=False)
    def total(values: list[int]) -> int:
        return sum(values)

    @app.task(name="apps.flaky", bind=True, max_retries=5, shared=False)
    def flaky(self: Task[Any, Any], key: str) -> int:
        """Fails twice (retrying in 0.2 s), then answers its attempt number."""
        attempt = int(self.app.backend.client.incr(key))
        if attempt < 3:
            raise self.retry(countdown=0.2)
        return attempt

    return app


app = make_app(os.environ.get("RABIA_CELERY_URL", "redis://127.0.0.1:6380/0"))
