"""python-redis-lock (``redis_lock.Lock``) across a rabia cluster's nodes, unmodified:
a waiter blocks in ``BLPOP`` on the lock's signal list, which the holder's release (a
Lua script) pushes to, at whatever node either is; mutual exclusion under contention;
automatic renewal; a run while a node is killed and restarted. Releasing and extending
are scripts, so these tests wait for scripting."""

from __future__ import annotations

import threading
import time
from contextlib import AbstractContextManager

import redis
import redis_lock

from tests.e2e.apps.contention import Contention
from tests.e2e.apps.support import WAIT, KillableCluster, needs_scripting, wait_for
from tests.e2e.redis_up import RabiaUp

pytestmark = needs_scripting("python-redis-lock releases, extends and resets with scripts")


def locked(client: redis.Redis) -> AbstractContextManager[object]:
    return redis_lock.Lock(client, "apps", expire=10)


def test_a_waiter_at_another_node_is_woken_by_the_release(up: RabiaUp) -> None:
    a, b, c = (redis.Redis(port=port) for port in up.ports)
    holder = redis_lock.Lock(a, "wake", expire=int(WAIT))
    waiter = redis_lock.Lock(b, "wake", expire=int(WAIT))
    assert holder.acquire()
    assert not waiter.acquire(blocking=False) and holder.locked()
    got: list[float] = []

    def wait() -> None:
        assert waiter.acquire(timeout=WAIT)
        got.append(time.monotonic())

    thread = threading.Thread(target=wait)
    thread.start()
    wait_for(lambda: b.info("clients")["blocked_clients"], bool, "the waiter blocked at node 1")
    released = time.monotonic()
    holder.release()
    thread.join(WAIT)
    assert got and got[0] - released < 5  # woken by the signal, not by the expiry
    assert waiter.get_owner_id() == waiter.id
    waiter.extend(expire=60)
    assert 50 < c.ttl("lock:wake") <= 60
    waiter.release()
    assert c.exists("lock:wake") == 0
    for client in (a, b, c):
        client.close()


def test_automatic_renewal_keeps_the_lock(up: RabiaUp) -> None:
    client, other = redis.Redis(port=up.ports[0]), redis.Redis(port=up.ports[1])
    with redis_lock.Lock(client, "renewed", expire=3, auto_renewal=True):
        # held past its expiry, renewed every 2 s: seen at another node all along
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            assert other.get("lock:renewed") is not None
            time.sleep(0.2)
    assert other.exists("lock:renewed") == 0
    assert redis_lock.Lock(other, "renewed").acquire(blocking=False)
    redis_lock.reset_all(other)
    assert client.keys("lock:*") == []
    client.close()
    other.close()


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
