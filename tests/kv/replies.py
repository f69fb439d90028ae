"""RESP2 replies as Python values, and the lease helpers of the lease and election tests."""

from __future__ import annotations

from rabia.kv import encode_exec
from tests.kv.conftest import Driver

Reply = int | bytes | None | list["Reply"]


class RespError(Exception):
    pass


def parse(reply: bytes) -> Reply:
    """A RESP2 reply as Python values (errors raise ``RespError``)."""

    def one(pos: int) -> tuple[Reply, int]:
        end = reply.index(b"\r\n", pos)
        kind, body = reply[pos : pos + 1], reply[pos + 1 : end]
        if kind == b"+":
            return body, end + 2
        if kind == b"-":
            raise RespError(body.decode())
        if kind == b":":
            return int(body), end + 2
        if kind == b"$":
            n = int(body)
            if n < 0:
                return None, end + 2
            return reply[end + 2 : end + 2 + n], end + 4 + n
        assert kind == b"*"
        n = int(body)
        if n < 0:
            return None, end + 2
        items: list[Reply] = []
        pos = end + 2
        for _ in range(n):
            item, pos = one(pos)
            items.append(item)
        return items, pos

    value, pos = one(0)
    assert pos == len(reply)
    return value


def p(r: Driver, *args: str | bytes) -> Reply:
    return parse(r(*args))


def grant(r: Driver, ttl_ms: int) -> int:
    lease = p(r, "LEASE.GRANT", str(ttl_ms))
    assert isinstance(lease, int)
    return lease


def exec_(r: Driver, *cmds: list[str]) -> bytes:
    return r.m.apply_at(encode_exec([], [[a.encode() for a in c] for c in cmds]), r.now)
