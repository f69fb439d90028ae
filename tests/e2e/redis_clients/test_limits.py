"""The key, value and keyspace limits: refused at every node, nothing stored."""

from __future__ import annotations

from tests.e2e.redis_clients.steps import MAX_KEY, MAX_KEYS, MAX_VALUE, NODES, E, run_steps
from tests.e2e.redis_up import Conn


def test_limits_refuse_and_store_nothing(conns: list[Conn]) -> None:
    long_key, ok_key = "k" * (MAX_KEY + 1), "k" * MAX_KEY
    big, ok_value = "v" * (MAX_VALUE + 1), "v" * MAX_VALUE
    key_error = E("ERR key exceeds maximum allowed size")
    value_error = E("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    full = E("ERR max number of keys reached")
    for first in range(NODES):
        run_steps(
            conns,
            [
                (0, ["SET", long_key, "v"], key_error),
                (1, ["INCR", long_key], key_error),
                (2, ["APPEND", long_key, "v"], key_error),
                (0, ["MSET", "a", "1", long_key, "2"], key_error),
                (1, ["SET", long_key, "v", "GET"], key_error),
                (2, ["EXISTS", long_key, "a"], 0),
                (0, ["SET", ok_key, "v"], "OK"),
                (1, ["EXISTS", ok_key], 1),
                (2, ["SET", "big", big], value_error),
                (0, ["MSET", "a", "1", "big", big], value_error),
                (1, ["EXISTS", "big", "a"], 0),
                (2, ["SET", "big", ok_value], "OK"),
                (0, ["APPEND", "big", "v"], value_error),
                (1, ["STRLEN", "big"], MAX_VALUE),
                (2, ["SET", "big", big, "XX"], value_error),
                (0, ["GET", "big"], ok_value),
                (1, ["FLUSHDB"], "OK"),
            ],
            first,
        )
        pairs = [x for i in range(MAX_KEYS) for x in (f"f{i}", str(i))]
        run_steps(
            conns,
            [
                (0, ["MSET", *pairs], "OK"),
                (1, ["DBSIZE"], MAX_KEYS),
                (2, ["SET", "one-more", "v"], full),
                (0, ["INCR", "one-more"], full),
                (1, ["APPEND", "one-more", "v"], full),
                (2, ["MSET", "f0", "new", "one-more", "v"], full),
                (0, ["EXISTS", "one-more"], 0),
                (1, ["GET", "f0"], "0"),
                (2, ["SET", "f0", "overwritten"], "OK"),  # not a new key
                (0, ["DEL", "f1"], 1),
                (1, ["SET", "one-more", "v"], "OK"),
                (2, ["DBSIZE"], MAX_KEYS),
                (0, ["FLUSHDB"], "OK"),
            ],
            first,
        )
