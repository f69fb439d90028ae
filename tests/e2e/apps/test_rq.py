"""RQ 3 on a rabia cluster, unmodified: jobs enqueued at node 0 are run by a burst worker
(a subprocess, RQ's forking worker) connected to node 1; a failing job lands in the
failed registry; every result is readable at every node. The worker overrides one thing,
how often it polls its command channel (see ``rq_worker``), to avoid a hang at exit that
redis-py 8.2 causes against redis-server too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis
from redis.exceptions import NoPermissionError
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from tests.e2e.apps.rq_jobs import add, boom
from tests.e2e.apps.support import (
    AppProcess,
    KillableCluster,
    at_every_node,
    needs_scripting,
    wait_for,
)
from tests.e2e.redis_up import RabiaUp


def burst_worker(
    port: int, queue: str, *options: str, user: tuple[str, str] | None = None
) -> AppProcess:
    """A burst worker of ``queue`` at the node on ``port`` (as the ACL ``user``, a name and
    a password): it exits once the queue is empty."""
    env = None if user is None else {"RQ_USER": user[0], "RQ_PASSWORD": user[1]}
    return AppProcess(["tests.e2e.apps.rq_worker", str(port), queue, *options], env=env)


def finished_everywhere(ports: list[int], jobs: list[Job], values: list[int]) -> None:
    """Every job finished with its value, as every node reports it."""

    def read(client: redis.Redis) -> list[tuple[JobStatus, object]]:
        fetched = [Job.fetch(job.id, connection=client) for job in jobs]
        return [(job.get_status(), job.return_value()) for job in fetched]

    expected = [(JobStatus.FINISHED, value) for value in values]
    assert at_every_node(ports, read) == [expected] * len(ports)


def test_a_worker_at_another_node_runs_the_jobs_and_records_failures(up: RabiaUp) -> None:
    producer = redis.Redis(port=up.ports[0])
    queue = Queue("apps", connection=producer)
    jobs = [queue.enqueue(add, i, i) for i in range(4)]
    failing = queue.enqueue(boom)
    worker = burst_worker(up.ports[1], "apps")
    try:
        assert worker.wait() == 0, worker.log()
    finally:
        worker.stop()
    finished_everywhere(up.ports, jobs, [0, 2, 4, 6])

    def failure(client: redis.Redis) -> tuple[bool, JobStatus, str]:
        job = Job.fetch(failing.id, connection=client)
        result = job.latest_result()
        assert result is not None
        in_registry = failing.id in FailedJobRegistry("apps", connection=client).get_job_ids()
        return in_registry, job.get_status(), (result.exc_string or "").splitlines()[-1]

    expected = (True, JobStatus.FAILED, "ValueError: boom")
    assert at_every_node(up.ports, failure) == [expected] * 3
    assert at_every_node(up.ports, lambda c: Queue("apps", connection=c).count) == [0] * 3
    producer.close()


@needs_scripting("RQ's scheduler takes its locks with scripts")
def test_scheduled_jobs_run_once_due(up: RabiaUp) -> None:
    producer = redis.Redis(port=up.ports[2])
    queue = Queue("later", connection=producer)
    due = queue.enqueue_at(datetime.now(UTC) - timedelta(seconds=1), add, 20, 22)
    future = queue.enqueue_in(timedelta(hours=1), add, 1, 1)
    worker = burst_worker(up.ports[0], "later", "--scheduler")
    try:
        assert worker.wait() == 0, worker.log()
    finally:
        worker.stop()
    finished_everywhere(up.ports, [due], [42])
    registries = at_every_node(
        up.ports, lambda c: ScheduledJobRegistry("later", connection=c).get_job_ids()
    )
    assert registries == [[future.id]] * 3
    producer.close()


def test_every_job_runs_while_a_node_is_killed_and_restarted(killable: KillableCluster) -> None:
    """The producer and the worker use nodes 0 and 1 (a Redis client is given one
    address); node 2 is killed with SIGKILL before the worker starts and restarted once
    it has run a job: it catches up and reports every result too."""
    ports = killable.ports
    producer = redis.Redis(port=ports[0])
    queue = Queue("apps", connection=producer)
    jobs = [queue.enqueue(add, i, 1) for i in range(6)]
    killable.kill(2)
    jobs += [queue.enqueue(add, i, 1) for i in range(6, 12)]
    worker = burst_worker(ports[1], "apps")
    try:
        wait_for(lambda: jobs[0].get_status(refresh=True), JobStatus.FINISHED.__eq__, "a result")
        killable.restart(2)
        assert worker.wait() == 0, worker.log()
    finally:
        worker.stop()
    finished_everywhere(ports, jobs, [i + 1 for i in range(12)])
    producer.close()


RQ_USER = ("rq-worker", "worker secret")
RQ_RULES = (
    *("on", f">{RQ_USER[1]}", "resetkeys", "~rq:*", "resetchannels", "&rq:*"),
    *("-@all", "+@read", "+@write", "+@transaction", "+@scripting", "+@pubsub"),
    *("+@connection", "-@dangerous", "+info", "+client|list", "+time", "+acl|whoami"),
)
"""What an RQ worker needs and no more: its own keys and channels (``rq:``), data
commands but no dangerous ones, and the three it asks the server (INFO for the version,
CLIENT LIST for its own address, TIME); ACL WHOAMI only for the worker's first line."""


def test_a_least_privilege_acl_user_runs_the_jobs_and_is_refused_the_rest(up: RabiaUp) -> None:
    admin = redis.Redis(port=up.ports[0])
    assert admin.execute_command("ACL", "SETUSER", RQ_USER[0], *RQ_RULES) == b"OK"
    admin.set("payroll", "secret")
    queue = Queue("least", connection=admin)
    jobs = [queue.enqueue(add, i, 10) for i in range(3)]
    worker = burst_worker(up.ports[1], "least", user=RQ_USER)
    try:
        assert worker.wait() == 0, worker.log()
        assert f"connected as {RQ_USER[0]}" in worker.log(), worker.log()
    finally:
        worker.stop()
    finished_everywhere(up.ports, jobs, [10, 11, 12])

    def refused(port: int) -> list[bool]:
        user = redis.Redis(port=port, username=RQ_USER[0], password=RQ_USER[1])
        out = []
        try:
            for command in (("FLUSHDB",), ("GET", "payroll"), ("SET", "payroll", "x")):
                with pytest.raises(NoPermissionError) as denied:
                    user.execute_command(*command)
                out.append("no permissions" in str(denied.value))
            assert user.exists(f"rq:job:{jobs[0].id}") == 1  # its own keys: yes
        finally:
            user.close()
        return out

    assert [refused(port) for port in up.ports] == [[True] * 3] * 3  # NOPERM at every node
    assert at_every_node(up.ports, lambda c: c.get("payroll")) == [b"secret"] * 3
    assert at_every_node(up.ports, lambda c: Queue("least", connection=c).count) == [0] * 3
    admin.close()
