"""Django's built-in Redis cache (``django.core.cache.backends.redis.RedisCache``) on a
rabia cluster, unmodified: the cache API used at node 0 and read back at node 2, and
Django's primary/replica setting (writes to the first LOCATION, reads from the others)
reading its own writes at once, which every rabia node answers linearizably."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import django
import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.test.utils import override_settings

from tests.e2e.apps.support import KillableCluster, at_every_node, url
from tests.e2e.redis_up import RabiaUp


@contextmanager
def django_caches(**locations: str | list[str]) -> Iterator[dict[str, BaseCache]]:
    """Django caches named as given, each ``RedisCache`` at its LOCATION (one URL, or
    a primary and its replicas); ``default`` is the first one."""
    if not settings.configured:
        settings.configure()
        django.setup()
    first = next(iter(locations.values()))
    config = {
        alias: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "app",
            "TIMEOUT": 60,
        }
        for alias, location in {"default": first, **locations}.items()
    }
    with override_settings(CACHES=config):
        yield {alias: caches[alias] for alias in locations}


def exercise(cache: BaseCache) -> dict[str, Any]:
    """The cache API; what it answered."""
    answers: dict[str, Any] = {}
    cache.set("user:1", {"name": "ada", "langs": ["en", "fr"]})
    answers["add existing"] = cache.add("user:1", "other")
    answers["add new"] = cache.add("user:2", "bob", timeout=30)
    cache.set("hits", 10)
    answers["incr"] = (cache.incr("hits"), cache.incr("hits", 5), cache.decr("hits", 2))
    cache.set_many({"a": 1, "b": [2], "c": "three"}, timeout=120)
    answers["get_many"] = cache.get_many(["a", "b", "c", "missing"])
    answers["touch"] = (cache.touch("a", 300), cache.touch("missing"))
    answers["has_key"] = (cache.has_key("b"), cache.has_key("missing"))
    answers["delete"] = (cache.delete("b"), cache.delete("b"))
    cache.delete_many(["c", "missing"])
    answers["get_or_set"] = cache.get_or_set("computed", lambda: 7 * 6)
    cache.set("gone", 1, timeout=0)  # Django deletes at once
    cache.set("forever", "v", timeout=None)
    cache.set("large", "x" * 100_000)
    return answers


EXPECTED = {
    "add existing": False,
    "add new": True,
    "incr": (11, 16, 14),
    "get_many": {"a": 1, "b": [2], "c": "three"},
    "touch": (True, False),
    "has_key": (True, False),
    "delete": (True, False),
    "get_or_set": 42,
}
STORED = {
    "user:1": {"name": "ada", "langs": ["en", "fr"]},
    "user:2": "bob",
    "hits": 14,
    "a": 1,
    "b": None,
    "c": None,
    "computed": 42,
    "gone": None,
    "forever": "v",
    "large": "x" * 100_000,
}


def stored(cache: BaseCache) -> dict[str, Any]:
    return {key: cache.get(key) for key in STORED}


def ttls(client: redis.Redis) -> list[int]:
    """TTLs (s) of what ``exercise`` set, as a node reports them."""
    return [client.ttl(f"app:1:{key}") for key in ("a", "user:2", "hits", "forever")]


def check_ttls(ports: list[int]) -> None:
    for a, user2, hits, forever in at_every_node(ports, ttls):
        assert 290 <= a <= 300 and 20 <= user2 <= 30 and 50 <= hits <= 60 and forever == -1


def test_the_cache_api_at_node_0_reads_back_at_node_2(up: RabiaUp) -> None:
    with django_caches(node0=url(up.ports[0]), node2=url(up.ports[2])) as named:
        assert exercise(named["node0"]) == EXPECTED
        assert stored(named["node2"]) == STORED
        check_ttls(up.ports)
        named["node0"].clear()
        assert stored(named["node2"]) == dict.fromkeys(STORED)


def test_a_replica_location_reads_its_own_writes(up: RabiaUp) -> None:
    primary_and_replica = [url(up.ports[1]), url(up.ports[2])]
    with django_caches(replicated=primary_and_replica) as named:
        cache = named["replicated"]
        for i in range(20):  # written at node 1, read at node 2 right after
            cache.set("counter", i)
            assert cache.get("counter") == i
            assert cache.incr("counter") == i + 1
        cache.clear()


def test_the_cache_works_while_a_node_is_killed_and_restarted(
    killable: KillableCluster,
) -> None:
    """The cache uses nodes 0 (writes) and 1 (reads); node 2 is killed with SIGKILL
    before, and restarted after: it reports everything written meanwhile."""
    ports = killable.ports
    killable.kill(2)
    with django_caches(cache=[url(ports[0]), url(ports[1])]) as named:
        assert exercise(named["cache"]) == EXPECTED
        assert stored(named["cache"]) == STORED
    killable.restart(2)
    with django_caches(node2=url(ports[2])) as named:
        assert stored(named["node2"]) == STORED
    check_ttls(ports)
