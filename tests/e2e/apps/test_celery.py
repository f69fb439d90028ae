"""Celery 5 on a rabia cluster, unmodified, with the Redis broker and result backend:
tasks sent at node 0 are run by a worker (a subprocess, thread pool of 2) connected to
node 1: results, a group, a chord, a retry, a countdown; every result read back at every
node. Celery's broker uses redis-py's Lock (released with a script) and its result
backend counts a chord's parts with a script, so these tests wait for scripting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from celery import Celery, chord, group
from celery.result import AsyncResult

from tests.e2e.apps.celery_app import make_app
from tests.e2e.apps.support import WAIT, AppProcess, KillableCluster, needs_scripting, url, wait_for
from tests.e2e.redis_up import RabiaUp

pytestmark = needs_scripting(
    "Celery's broker releases its lock, its backend counts chord parts, with scripts"
)


@contextmanager
def worker(port: int) -> Iterator[AppProcess]:
    """A Celery worker at the node on ``port``, answering a ping (a broadcast: PUBLISH
    and PSUBSCRIBE across nodes) before it is used."""
    args = ["celery", "-A", "tests.e2e.apps.celery_app", "worker", "-l", "warning"]
    args += ["--pool", "threads", "--concurrency", "2", "--without-mingle", "--without-gossip"]
    process = AppProcess(args, env={"RABIA_CELERY_URL": url(port)})
    try:
        yield process
    finally:
        process.stop()


def ready(app: Celery, process: AppProcess) -> None:
    def ping() -> object:
        assert process.process.poll() is None, process.log()
        return app.control.ping(timeout=0.5)

    wait_for(ping, bool, "a worker answering ping")


def results_everywhere(ports: list[int], ids: list[str]) -> list[list[object]]:
    """Each result as read at each node."""
    out = []
    for port in ports:
        app = make_app(url(port))
        out.append([AsyncResult(i, app=app).get(timeout=WAIT) for i in ids])
        app.close()
    return out


def test_tasks_groups_chords_and_retries_across_nodes(up: RabiaUp) -> None:
    app = make_app(url(up.ports[0]))
    add, total = app.signature("apps.add"), app.signature("apps.total")
    with worker(up.ports[1]) as process:
        ready(app, process)
        single = add.clone((2, 3)).delay()
        assert single.get(timeout=WAIT) == 5
        parts = group(add.clone((i, i)) for i in range(5)).delay()
        assert parts.get(timeout=WAIT) == [0, 2, 4, 6, 8]
        summed = chord(add.clone((i, 1)) for i in range(4))(total)
        assert summed.get(timeout=WAIT) == 10
        retried = app.signature("apps.flaky", ("apps:flaky",)).delay()
        assert retried.get(timeout=WAIT) == 3
        later = add.clone((20, 22)).apply_async(countdown=1)
        assert later.get(timeout=WAIT) == 42
        ids = [single.id, summed.id, retried.id, later.id, *(r.id for r in parts.results)]
        expected = [5, 10, 3, 42, 0, 2, 4, 6, 8]
        assert results_everywhere(up.ports, ids) == [expected] * 3
    app.close()


def test_every_task_runs_while_a_node_is_killed_and_restarted(killable: KillableCluster) -> None:
    """The producer and the worker use nodes 0 and 1 (kombu is given one broker URL);
    node 2 is killed with SIGKILL once the worker runs and restarted after its first
    result: it catches up and reports every result too."""
    ports = killable.ports
    app = make_app(url(ports[0]))
    add, total = app.signature("apps.add"), app.signature("apps.total")
    with worker(ports[1]) as process:
        ready(app, process)
        killable.kill(2)
        sent = [add.clone((i, i)).delay() for i in range(10)]
        summed = chord(add.clone((i, 1)) for i in range(4))(total)
        assert sent[0].get(timeout=WAIT) == 0
        killable.restart(2)
        assert [r.get(timeout=WAIT) for r in sent] == [2 * i for i in range(10)]
        assert summed.get(timeout=WAIT) == 10
    ids = [r.id for r in sent] + [summed.id]
    assert results_everywhere(ports, ids) == [[2 * i for i in range(10)] + [10]] * 3
    app.close()
