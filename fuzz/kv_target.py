"""Coverage-guided fuzzing of ``KVMachine.apply_at`` (what every replica runs).

Property: any log entry, raw bytes or a command built from the fuzzer's choices (names,
options, numbers, keys), never raises and yields exactly one well-formed RESP reply.
An exception here would stop every replica of a cluster at the same slot."""

from __future__ import annotations

import atheris
import common

with atheris.instrument_imports():
    from tests.fuzz.harness import parse_replies

    from rabia.kv.commands.table import COMMANDS
    from rabia.kv.machine import KVMachine, encode_command, encode_exec

NAMES = [*sorted(n for n, spec in COMMANDS.items() if spec.handler is not None), b"nope"]
WORDS = [
    *(b"NX", b"XX", b"GT", b"LT", b"GET", b"KEEPTTL", b"EX", b"PX", b"EXAT", b"PXAT"),
    *(b"MATCH", b"COUNT", b"TYPE", b"string", b"ASYNC", b"SYNC", b"k", b"__election__:k"),
    *(b"*", b"?", b"[a-", b"*a" * 12 + b"*b", b"a" * 300),  # glob patterns and long keys
]


def _argument(fdp: atheris.FuzzedDataProvider) -> bytes:
    kind = fdp.ConsumeIntInRange(0, 4)
    if kind == 0:
        return fdp.PickValueInList(WORDS)  # type: ignore[no-any-return]
    if kind == 1:
        return b"%d" % fdp.ConsumeInt(9)
    if kind == 2:  # long digit strings: integer parsing must refuse, never choke
        return fdp.ConsumeBytes(1) * fdp.ConsumeIntInRange(0, 6000)
    return fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 32))


def _one_reply(reply: bytes) -> None:
    assert len(parse_replies(reply)) == 1, reply[:200]


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    machine = KVMachine(max_keys=16, max_leases=4, max_value_size=256)
    now = 1_000_000_000_000
    while fdp.remaining_bytes():
        now += fdp.ConsumeIntInRange(0, 1 << 40)
        mode = fdp.ConsumeIntInRange(0, 7)
        if mode == 0:
            entry = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 64))
        elif mode == 1:
            queued = [
                [fdp.PickValueInList(NAMES), _argument(fdp), _argument(fdp)]
                for _ in range(fdp.ConsumeIntInRange(0, 3))
            ]
            entry = encode_exec([(_argument(fdp), fdp.ConsumeIntInRange(-1, 99))], queued)
        else:
            args = [_argument(fdp) for _ in range(fdp.ConsumeIntInRange(0, 5))]
            entry = encode_command([fdp.PickValueInList(NAMES), *args])
        _one_reply(machine.apply_at(entry, now))


if __name__ == "__main__":
    common.run(test_one_input)
