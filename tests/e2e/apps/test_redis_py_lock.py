"""redis-py's ``Lock`` (``redis.Redis.lock``) across a rabia cluster's nodes, unmodified:
its API with holders at different nodes, mutual exclusion under contention, and a run
while a node is killed and restarted. Acquiring is ``SET NX PX``; releasing, extending
and reacquiring are Lua scripts (``EVALSHA``), so these tests wait for scripting."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager

import pytest
import redis
from redis.exceptions import LockNotOwnedError

from tests.e2e.apps.contention import Contention
from tests.e2e.apps.support import WAIT, KillableCluster, needs_scripting, wait_for
from tests.e2e.redis_up import RabiaUp

pytestmark = needs_scripting("redis-py's Lock releases, extends and reacquires with scripts")


def locked(client: redis.Redis) -> AbstractContextManager[object]:
    return client.lock("apps:lock", timeout=10, sleep=0.01, blocking_timeout=WAIT)


def test_the_lock_api_with_holders_at_different_nodes(up: RabiaUp) -> None:
    a, b, c = (redis.Redis(port=port) for port in up.ports)
    # (not thread-local: ``theirs`` is acquired by a thread below, checked here)
    mine = a.lock("apps:api", timeout=5, thread_local=False)
    theirs = b.lock("apps:api", timeout=5, thread_local=False)
    assert mine.acquire(blocking=False)
    assert not theirs.acquire(blocking=False)
    assert mine.owned() and theirs.locked() and not theirs.owned()
    assert mine.extend(5) and 5000 < c.pttl("apps:api") <= 10000
    assert mine.reacquire() and 4000 < c.pttl("apps:api") <= 5000
    with pytest.raises(LockNotOwnedError):
        theirs.do_release(b"not-the-token")
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(theirs.acquire(blocking_timeout=WAIT)))
    waiter.start()
    mine.release()  # at node 0; the blocking acquire at node 1 gets it
    waiter.join(WAIT)
    assert got == [True] and theirs.owned() and not mine.owned()
    theirs.release()
    assert not c.exists("apps:api")
    short = a.lock("apps:short", timeout=0.2)
    assert short.acquire()
    wait_for(lambda: c.exists("apps:short"), lambda n: n == 0, "the lock's expiry")
    with pytest.raises(LockNotOwnedError):
        short.release()
    for client in (a, b, c):
        client.close()


def test_holders_at_every_node_exclude_each_other(up: RabiaUp) -> None:
    contention = Contention(locked, up.ports, workers=6, rounds=5)
    contention.start()
    contention.join()
    contention.check(up.ports)


def test_mutual_exclusion_while_a_node_is_killed_and_restarted(
    killable: KillableCluster,
) -> None:
    """Holders use nodes 0 and 1; node 2 is killed with SIGKILL before they start and
    restarted while they run."""
    killable.kill(2)
    contention = Contention(locked, killable.ports[:2], workers=4, rounds=6)
    contention.start()
    wait_for(contention.progress, lambda n: n >= 4, "some increments")
    killable.restart(2)
    contention.join()
    contention.check(killable.ports)
