"""Write the seed corpora of the targets: ``python fuzz/seeds.py DIR`` fills
``DIR/<target>/`` with valid inputs (encoded messages, handshakes, Redis commands) for
the fuzzer to mutate. Each input is mode byte + segment-size byte + payload."""

from __future__ import annotations

import sys
from pathlib import Path

import common
from tests.fuzz.harness import resp_request

from rabia.codec import PROTOCOL_VERSION, encode_message, frame
from rabia.core.messages import (
    Batch,
    Command,
    Decision,
    Fetch,
    FetchReply,
    Proposal,
    Request,
    Snapshot,
    State,
    Status,
    Vote,
)
from rabia.runtime.client_protocol import ClientRequest, MemberRequest, StatusRequest, encode_client
from rabia.transport import handshake as hs

assert common.ROOT

BATCH = Batch.of((1, 2, 3), 1000, [Command(7, 1, b"op", 0), Command(7, 2, b"\x00" * 9, 1)])
MESSAGES = [
    Request(1, BATCH),
    Proposal(5, 1, BATCH),
    State(5, 1, 2, 1, (1, 2, 3)),
    Vote(5, 1, 2, 2, None),
    Decision(5, 1, (1, 2, 3), BATCH),
    Decision(6, 1, None),
    Fetch(5, 1, (1, 2, 3)),
    FetchReply(5, 1, BATCH),
    Status(9, 1, 12),
    Snapshot(9, 1, b"core", b"app"),
]
HANDSHAKES = [
    hs.Hello(PROTOCOL_VERSION, "rabia", 1, b"n" * hs.NONCE_SIZE),
    hs.Challenge(1, b"c" * hs.NONCE_SIZE, b""),
    hs.Proof(b"m" * 32),
    hs.Accept(),
]
COMMANDS = [
    [b"PING"],
    [b"SET", b"k", b"v", b"PX", b"100", b"NX", b"GET"],
    [b"MGET", b"k", b"x"],
    [b"INCRBY", b"n", b"-5"],
    [b"SCAN", b"0", b"MATCH", b"k*", b"COUNT", b"5"],
    [b"MULTI"],
    [b"WATCH", b"k"],
    [b"EXEC"],
    [b"HELLO", b"3", b"AUTH", b"default", b"pw", b"SETNAME", b"n"],
    [b"SUBSCRIBE", b"__keyspace@0__:k"],
    [b"PSUBSCRIBE", b"__keyevent@0__:*"],
    [b"RABIA.WATCH", b"k", b"1"],
    [b"LEASE.GRANT", b"1000"],
    [b"ELECT.CAMPAIGN", b"e", b"me", b"1"],
    [b"AUTH", b"pw"],
    [b"QUIT"],
]


def seeds() -> dict[str, list[bytes]]:
    codec = [b"\x00\x00" + encode_message(m) for m in MESSAGES]
    codec += [
        b"\x01\x00" + encode_client(c)
        for c in (ClientRequest(1, 2, b"op"), StatusRequest(3), MemberRequest(4, [(3, "h:1")]))
    ]
    codec.append(b"\x02\x01" + b"".join(frame(encode_message(m)) for m in MESSAGES[:4]))
    handshake = [b"\x00\x00" + hs.encode_handshake(m)[4:] for m in HANDSHAKES]
    handshake.append(b"\x01\x00" + hs.encode_handshake(HANDSHAKES[0]))
    handshake.append(b"\x02\x03" + b"".join(frame(encode_message(m)) for m in MESSAGES))
    handshake.append(b"\x03\x00" + b"".join(hs.encode_handshake(m) for m in HANDSHAKES[1::2]))
    stream = b"".join(resp_request(c) for c in COMMANDS)
    inline = b"".join(b" ".join(c) + b"\r\n" for c in COMMANDS)
    resp = [b"\x00\x00" + stream, b"\x01\x05" + stream, b"\x00\x00" + inline]
    resp += [b"\x00\x00" + resp_request(c) for c in COMMANDS]
    return {"codec": codec, "handshake": handshake, "resp": resp}


def main(out: Path) -> None:
    for target, inputs in seeds().items():
        directory = out / target
        directory.mkdir(parents=True, exist_ok=True)
        for i, data in enumerate(inputs):
            (directory / f"seed-{i:03d}").write_bytes(data)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
