"""The simulated clients' history, checked for linearizability at the end of every run.

Every operation a client issues (an append or a read through the log, a read through
the read barrier) is recorded from its first send to the reply the client accepts, in
virtual microseconds; retries to other replicas stay inside that interval. At the end
the history goes through the linearizability checker against a list per key
(``ListAppendModel``): appends of unknown outcome
may or may not have happened, reads pin the lists' contents.
"""

from __future__ import annotations

from dataclasses import dataclass

from rabia.core.messages import Command
from rabia.testing.linearizability import MODELS, Operation, check
from rabia.testing.workload import (
    APPEND,
    BARRIER_READ,
    LOG_READ,
    BarrierRead,
    ClientRequest,
    decode_list,
)


@dataclass(slots=True)
class _Call:
    client: int
    seq: int
    f: str
    kind: str
    key: int
    value: int | None
    call: int
    ret: int | None = None
    output: object = None


class SimHistory:
    """Invocations and completions of the simulated clients (see the module docstring)."""

    __slots__ = ("_calls",)

    def __init__(self) -> None:
        self._calls: dict[tuple[int, int], _Call] = {}

    def __len__(self) -> int:
        return len(self._calls)

    def invoke(self, request: ClientRequest, now: int) -> None:
        """A client sent a new request (not a retry)."""
        client, seq = op = (request.client_id, request.seq)
        if type(request) is Command:
            key_s, _, value_s = request.op.partition(b":")
            if key_s == b"r":
                call = _Call(client, seq, "read", LOG_READ, int(value_s), None, now)
            else:
                call = _Call(client, seq, "append", APPEND, int(key_s), int(value_s), now)
        else:
            assert type(request) is BarrierRead
            call = _Call(client, seq, "read", BARRIER_READ, request.key, None, now)
        self._calls[op] = call

    def complete(self, client_id: int, seq: int, result: bytes, now: int) -> None:
        """The client accepted ``result`` for (client_id, seq)."""
        call = self._calls[(client_id, seq)]
        call.ret = now
        call.output = int(result) if call.f == "append" else decode_list(result)

    def counts(self) -> dict[str, int]:
        """Completed operations per kind."""
        out = {APPEND: 0, LOG_READ: 0, BARRIER_READ: 0}
        for call in self._calls.values():
            if call.ret is not None:
                out[call.kind] += 1
        return out

    def _ordered(self) -> list[_Call]:
        return sorted(self._calls.values(), key=lambda c: (c.call, c.client, c.seq))

    def operations(self) -> list[Operation]:
        """The calls as the checker's operations, in invocation order."""
        return [_operation(c) for c in self._ordered()]

    def violation(self) -> str | None:
        """None when the history is linearizable; else what went wrong, in one line."""
        calls = self._ordered()
        result = check([_operation(c) for c in calls], MODELS["list-append"]())
        if result.verdict == "linearizable":
            return None
        failure = result.failures[0] if result.failures else result.partitions[0]
        shown = [_describe(calls[i]) for i in result.window(failure)]
        return f"linearizability: key {failure.key} is {result.verdict}: " + "; ".join(shown[-6:])


def _operation(c: _Call) -> Operation:
    return Operation(c.client, c.f, c.value, c.output, float(c.call), c.ret, c.key)


def _describe(c: _Call) -> str:
    value = "" if c.value is None else f" {c.value}"
    out = "" if c.f == "append" or c.ret is None else f" -> {list(c.output)}"  # type: ignore[call-overload]
    ret = "?" if c.ret is None else str(c.ret)
    return f"client {c.client} {c.kind}{value}{out} [{c.call}, {ret}]"
