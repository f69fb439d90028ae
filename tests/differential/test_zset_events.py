"""The keyspace events of the sorted set commands against redis-server's own
notifications (``notify-keyspace-events KEA``): the same names, keys and order."""

from __future__ import annotations

import time

import redis

from rabia.kv import KVMachine, encode_command
from tests.differential.oracle import RedisOracle

COMMANDS = [
    "ZADD z 1 a 2 b 3 c 4 d 5 e",
    "ZADD z 1 a",
    "ZADD z XX 9 nope",
    "ZADD z CH 7 a",
    "ZINCRBY z 1 a",
    "ZADD z INCR 1 b",
    "ZADD z GT INCR -1 b",
    "ZREM z nope",
    "ZREM z a",
    "ZREMRANGEBYSCORE z 100 200",
    "ZREMRANGEBYSCORE z 2 2",
    "ZREMRANGEBYRANK z 0 0",
    "ZREMRANGEBYLEX z [e [e",
    "ZADD y 1 a 2 b 3 c",
    "ZPOPMIN y",
    "ZPOPMAX y 5",
    "ZPOPMIN y",
    "ZADD x 1 a 2 b",
    "ZUNIONSTORE u 2 x z",
    "ZINTERSTORE i 2 x z",
    "ZINTERSTORE i 2 x none",
    "ZDIFFSTORE d 1 x",
    "ZRANGESTORE r x 0 0",
    "ZRANGESTORE r none 0 -1",
    "ZMPOP 1 x MIN COUNT 1",
    "BZPOPMAX x 0",
    "SADD s m",
    "ZUNIONSTORE s2 1 s",
    "ZREM z d",
]


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[bytes, bytes]] = []

    def publish(self, revision: int, events: list[tuple[bytes, bytes]]) -> None:
        self.events += events

    def reset(self, revision: int) -> None:
        pass


def test_events_match_redis_notifications(oracle: RedisOracle) -> None:
    oracle.reset()
    client = redis.Redis(port=oracle.port)
    pubsub = client.pubsub()
    try:
        client.config_set("notify-keyspace-events", "KEA")
        pubsub.psubscribe("__keyevent@0__:*")
        assert pubsub.get_message(timeout=5) is not None  # the subscription
        for line in COMMANDS:
            client.execute_command(*line.split())
        client.execute_command("PING")
        theirs: list[tuple[bytes, bytes]] = []
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=0.2)
            if message is not None and message["type"] == "pmessage":
                theirs.append((message["channel"].split(b":", 1)[1], message["data"]))
                deadline = time.monotonic() + 0.5
    finally:
        client.config_set("notify-keyspace-events", "")
        pubsub.close()
        client.close()
    machine, recorder = KVMachine(), _Recorder()
    machine.event_sink = recorder
    for i, line in enumerate(COMMANDS):
        machine.apply_at(encode_command(line.encode().split()), 1_000_000 + i)
    assert recorder.events == theirs
    assert len(theirs) > 20
