"""Coverage-guided fuzzing of the Redis port's connection (``Connection``).

Input: mode byte (bit 0: a password is configured), segment-size byte, payload (see
``common.header``). Property: whatever bytes arrive, in whatever segments,
``data_received`` never raises and everything written back is a sequence of complete,
well-formed RESP replies. ``fuzz/resp.dict`` holds RESP tokens and command names."""

from __future__ import annotations

import logging

import atheris
import common

with atheris.instrument_imports():
    from tests.fuzz.harness import RespHarness, parse_replies

logging.disable(logging.CRITICAL)


def test_one_input(data: bytes) -> None:
    mode, size, payload = common.header(data)
    with RespHarness(b"pw" if mode & 1 else None) as h:
        parse_replies(h.feed(common.cut(payload, size)))


if __name__ == "__main__":
    common.run(test_one_input)
