"""CPU time per call of a replicated-object command against the same work on a raw
StateMachine, in process, on the apply path: encode on the caller, apply, decode result.

    .venv/bin/python benchmarks/objects_overhead.py [--calls 100000] [--repeat 5]

The work is a bank transfer between two of ``--accounts`` accounts. Raw paths: a
hand-written StateMachine taking a msgspec MessagePack tuple (the fastest honest raw
path) and one taking JSON (the old examples/banking.py style). Object paths: a
``Replicated`` bank with rollback (the state is encoded before every command, so its
cost grows with the state), the same with ``rollback=False``, and that one written as
``async def``. Prints the best of ``--repeat`` runs (process CPU time), the ratios to the
raw msgpack path and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import msgspec

from rabia.api import StateMachine
from rabia.objects import Replicated, command
from rabia.objects.replicated import schema_of

_encoder = msgspec.msgpack.Encoder()
_transfer = msgspec.msgpack.Decoder(tuple[str, str, int])
_result = msgspec.msgpack.Decoder(int)


class RawBank(StateMachine):
    def __init__(self, accounts: int) -> None:
        self.accounts = {f"a{i}": 1_000_000 for i in range(accounts)}

    def apply(self, command: bytes) -> bytes:
        source, target, amount = _transfer.decode(command)
        self.accounts[source] -= amount
        self.accounts[target] += amount
        return _encoder.encode(self.accounts[source])

    def snapshot(self) -> bytes:
        return _encoder.encode(self.accounts)

    def restore(self, data: bytes) -> None:
        self.accounts = msgspec.msgpack.decode(data)


class JsonBank(RawBank):
    def apply(self, command: bytes) -> bytes:
        request = json.loads(command)
        self.accounts[request["from"]] -= request["amount"]
        self.accounts[request["to"]] += request["amount"]
        return json.dumps({"ok": True, "balance": self.accounts[request["from"]]}).encode()


class Bank(Replicated):
    accounts: dict[str, int] = msgspec.field(default_factory=dict)

    @command
    def transfer(self, source: str, target: str, amount: int) -> int:
        self.accounts[source] -= amount
        self.accounts[target] += amount
        return self.accounts[source]


class UnsafeBank(Bank, rollback=False):
    pass


class AsyncBank(Replicated, rollback=False):
    """``UnsafeBank`` with its command written as ``async def``."""

    accounts: dict[str, int] = msgspec.field(default_factory=dict)

    @command
    async def transfer(self, source: str, target: str, amount: int) -> int:
        self.accounts[source] -= amount
        self.accounts[target] += amount
        return self.accounts[source]


def best_us(call: Callable[[int], object], calls: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for k in range(calls):
            call(k)
        best = min(best, time.process_time() - started)
    return best / calls * 1e6


def paths(accounts: int) -> dict[str, Callable[[int], object]]:
    names = [f"a{i}" for i in range(accounts)]
    raw, js = RawBank(accounts), JsonBank(accounts)

    def raw_call(k: int) -> object:
        reply = raw.apply_at(_encoder.encode((names[k % accounts], names[k % 7 % accounts], 1)), k)
        return _result.decode(reply)

    def json_call(k: int) -> object:
        request = {"op": "transfer", "from": names[k % accounts], "to": names[k % 7 % accounts]}
        request["amount"] = 1  # type: ignore[assignment]
        return json.loads(js.apply_at(json.dumps(request).encode(), k))["balance"]

    def object_call(bank: Bank) -> Callable[[int], object]:
        bank.accounts = dict(raw.accounts)
        method = schema_of(type(bank)).methods["transfer"]

        def call(k: int) -> object:
            payload = method.encode_call((names[k % accounts], names[k % 7 % accounts], 1), {})
            return method.decode_reply(bank.apply_at(payload, k)).value

        return call

    return {
        "raw msgpack": raw_call,
        "raw json": json_call,
        "object, rollback": object_call(Bank()),
        "object, no rollback": object_call(UnsafeBank()),
        "object, async def": object_call(AsyncBank()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    for accounts in (10, 1000):
        timings = {
            name: best_us(call, args.calls, args.repeat) for name, call in paths(accounts).items()
        }
        results[f"{accounts} accounts"] = timings
        base = timings["raw msgpack"]
        print(f"{accounts} accounts (µs per call, ratio to raw msgpack):")
        for name, us in timings.items():
            print(f"  {name:22} {us:7.2f} µs  x{us / base:.2f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
