"""Splitting a Redis client's byte stream into commands, as Redis's own parser does.

Each request is either a multibulk array of bulk strings (``*2\\r\\n$4\\r\\nPING\\r\\n...``)
or, when its first byte is not ``*``, an inline command line (``PING\\r\\n``, telnet
style); the choice is made per request, as in Redis's ``processInputBuffer``.

Limits are checked from the headers, before any byte of the body is buffered: an
array may not announce more elements, nor a bulk string more bytes, than fit in
``max_request`` bytes, and an inline line may not exceed ``MAX_INLINE``. (hiredis, used
here before, allocates a list of the announced size up front: ``*2147483647`` cost
16 GiB of address space and seconds of CPU to free.)
"""

from __future__ import annotations

from typing import Final

from rabia.kv.resp import parse_int

MAX_INLINE: Final = 64 * 1024
"""Longest inline (telnet-style) command line, or header line, accepted."""

_STAR: Final = ord("*")
_DOLLAR: Final = ord("$")
_MIN_ELEMENT: Final = len(b"$0\r\n\r\n")


def _count_at(buf: bytes, start: int, end: int) -> int:
    """The count ``buf[start:end]`` as Redis writes it (decimal digits, no leading zero,
    at most 18 of them), else -1 (``parse_int`` decides); read in place, without a slice."""
    size = end - start
    if size <= 0 or size > 18 or (buf[start] == 0x30 and size > 1):
        return -1
    value = 0
    for i in range(start, end):
        digit = buf[i] - 0x30
        if digit < 0 or digit > 9:
            return -1
        value = value * 10 + digit
    return value


class RequestError(Exception):
    """The stream is not a valid request sequence (the text follows ``Protocol error: ``)."""


class RequestParser:
    """Incremental parser: ``feed`` bytes, then call ``next`` until it returns None."""

    __slots__ = ("_args", "_buf", "_max", "_pos", "_remaining", "_used")

    def __init__(self, max_request: int) -> None:
        self._buf: bytes | bytearray = b""
        """What was received and not consumed yet from ``_pos`` on: the bytes of the last
        segment as they came while they hold only whole requests, else a copy that the
        next segments are appended to."""
        self._pos = 0
        self._max = max_request
        self._args: list[bytes] = []
        self._remaining = 0
        """Bulk strings still expected by the current array (0: between requests)."""
        self._used = 0
        """Bytes of the current array consumed so far."""

    def feed(self, data: bytes) -> None:
        """Append received bytes."""
        buf = self._buf
        if self._pos >= len(buf):  # everything before was consumed: no copy
            self._buf = data
            self._pos = 0
        elif type(buf) is bytes:
            self._buf = bytearray(buf[self._pos :]) + data
            self._pos = 0
        else:
            buf += data

    def next(self) -> list[bytes] | None:
        """The next complete command, or None until more bytes arrive.

        Raises ``RequestError``; the parser must not be used after that."""
        buf = self._buf
        if not self._remaining and type(buf) is bytes:
            whole = self._whole_array(buf)
            if whole is not None:
                return whole
        while True:
            if self._remaining:
                return self._done(self._bulk(buf))
            if self._pos >= len(buf):
                return self._done(None)
            if buf[self._pos] == _STAR:
                if not self._array_header(buf):
                    return self._done(None)
            else:
                line = self._inline(buf)
                if line is None:
                    return self._done(None)
                if line:
                    return line

    def _done(self, args: list[bytes] | None) -> list[bytes] | None:
        if args is None and self._pos:  # drop what was consumed, keep a partial request
            buf = self._buf
            if type(buf) is bytearray:
                del buf[: self._pos]
            else:
                self._buf = bytearray(buf[self._pos :])
            self._pos = 0
        return args

    def _whole_array(self, buf: bytes) -> list[bytes] | None:
        """The common case, fast: the array request at the position when every byte of it
        is here and its counts are plain digits within the limits; else None (and nothing
        consumed: the general path then parses it, waits, or raises)."""
        start = pos = self._pos
        end = len(buf)
        if pos >= end or buf[pos] != _STAR:
            return None
        cr = buf.find(b"\r", pos)
        if cr < 0 or cr + 1 >= end:
            return None
        count = _count_at(buf, pos + 1, cr)
        if count <= 0 or count * _MIN_ELEMENT > self._max:
            return None
        pos = cr + 2
        used = pos - start
        limit = self._max
        args = []
        for _ in range(count):
            if pos >= end or buf[pos] != _DOLLAR:
                return None
            cr = buf.find(b"\r", pos)
            if cr < 0:
                return None
            length = _count_at(buf, pos + 1, cr)
            header = cr + 2 - pos
            used += header + length + 2
            stop = cr + 2 + length
            if length < 0 or used > limit or stop + 2 > end:
                return None
            args.append(buf[cr + 2 : stop])
            pos = stop + 2
        self._pos = pos
        return args

    def _line(self, buf: bytes | bytearray, what: str) -> bytes | None:
        """The header line at the position (without CRLF), or None when incomplete."""
        end = buf.find(b"\r", self._pos)
        if end < 0 or end + 1 >= len(buf):
            if len(buf) - self._pos > MAX_INLINE:
                raise RequestError(f"too big {what} count string")
            return None
        line = bytes(buf[self._pos + 1 : end])
        self._pos = end + 2
        return line

    def _array_header(self, buf: bytes | bytearray) -> bool:
        start = self._pos
        line = self._line(buf, "mbulk")
        if line is None:
            return False
        count = parse_int(line)
        if count is None or count * _MIN_ELEMENT > self._max:
            raise RequestError("invalid multibulk length")
        if count > 0:  # *0 and negative counts are empty requests: skipped, as Redis does
            self._remaining = count
            self._args = []
            self._used = self._pos - start
        return True

    def _bulk(self, buf: bytes | bytearray) -> list[bytes] | None:
        """Read the bulk strings of the current array; the command once complete."""
        while self._remaining:
            pos = self._pos
            if pos >= len(buf):
                return None
            if buf[pos] != _DOLLAR:
                raise RequestError(f"expected '$', got '{chr(buf[pos])}'")
            line = self._line(buf, "bulk")
            if line is None:
                return None
            length = parse_int(line)
            header = self._pos - pos
            if length is None or length < 0 or self._used + header + length + 2 > self._max:
                raise RequestError("invalid bulk length")
            if len(buf) - self._pos < length + 2:
                self._pos = pos  # wait for the whole bulk string, header included
                return None
            self._args.append(bytes(buf[self._pos : self._pos + length]))
            self._pos += length + 2
            self._used += header + length + 2
            self._remaining -= 1
        args, self._args = self._args, []
        return args

    def _inline(self, buf: bytes | bytearray) -> list[bytes] | None:
        """The words of the inline line at the position ([] for a blank line)."""
        end = buf.find(b"\n", self._pos)
        if end < 0:
            if len(buf) - self._pos > MAX_INLINE:
                raise RequestError("too big inline request")
            return None
        words = bytes(buf[self._pos : end]).split()
        self._pos = end + 1
        return words
