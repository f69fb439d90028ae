"""The keyspace events of the hash and set commands against redis-server's own
notifications (``notify-keyspace-events KEA``): the same names, keys and order."""

from __future__ import annotations

import time

import redis

from rabia.kv import KVMachine, encode_command
from tests.differential.oracle import RedisOracle

COMMANDS = [
    "HSET h a 1",
    "HSETNX h a 2",
    "HSETNX h b 2",
    "HINCRBY h n 1",
    "HINCRBYFLOAT h n 1.5",
    "HDEL h zz",
    "HDEL h a b n",
    "HMSET g a 1",
    "SADD s a b c",
    "SADD s a",
    "SREM s a",
    "SMOVE s t b",
    "SMOVE s t c",
    "SADD t x y",
    "SPOP t",
    "SPOP t 1",
    "SINTERSTORE d t t",
    "SUNIONSTORE d t g2",
    "SDIFFSTORE d t t",
    "SDIFFSTORE t none",
    "SADD u 1",
    "SPOP u 5",
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
        theirs: list[tuple[bytes, bytes]] = []
        deadline = time.monotonic() + 5
        while len(theirs) < 24 and time.monotonic() < deadline:
            message = pubsub.get_message(timeout=0.2)
            if message is not None and message["type"] == "pmessage":
                theirs.append((message["channel"].split(b":", 1)[1], message["data"]))
    finally:
        client.config_set("notify-keyspace-events", "")
        pubsub.close()
        client.close()
    machine, recorder = KVMachine(), _Recorder()
    machine.event_sink = recorder
    for i, line in enumerate(COMMANDS):
        machine.apply_at(encode_command(line.encode().split()), 1_000_000 + i)
    assert recorder.events == theirs
    assert len(theirs) == 24
