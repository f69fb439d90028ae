"""SCAN over the sorted keyspace: every key present for a whole scan is returned."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.kv.conftest import Driver

KEYS = st.binary(min_size=0, max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    stable=st.sets(KEYS, max_size=60),
    churn=st.lists(KEYS, max_size=40),
    count=st.integers(1, 15),
    shared=st.booleans(),
)
def test_scan_returns_every_stable_key(
    stable: set[bytes], churn: list[bytes], count: int, shared: bool
) -> None:
    prefix = b"samepref" if shared else b""
    stable = {prefix + k for k in stable}
    churn = [prefix + k for k in churn if prefix + k not in stable]
    r = Driver()
    for k in stable:
        r("SET", k, "v")
    seen: set[bytes] = set()
    cursor = b"0"
    steps = 0
    while True:
        reply = r("SCAN", cursor, "COUNT", str(count))
        m = re.match(rb"\*2\r\n\$\d+\r\n(\d+)\r\n\*(\d+)\r\n", reply)
        assert m is not None
        rest = reply[m.end() :]
        for _ in range(int(m.group(2))):
            n, _, rest = rest.partition(b"\r\n")
            size = int(n[1:])
            seen.add(rest[:size])
            rest = rest[size + 2 :]
        cursor = m.group(1)
        if steps < len(churn):  # mutate other keys between calls
            k = churn[steps]
            r("DEL" if steps % 2 else "SET", k, *([] if steps % 2 else ["v"]))
        steps += 1
        if cursor == b"0":
            break
        assert steps < 1000
    assert stable <= seen
