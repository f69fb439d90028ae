"""``cjson.decode``'s parser: Lua CJSON 2.1.0's grammar, values and error messages.

The input reads like a C string (a NUL byte ends it), numbers are what C's ``strtod``
reads at that point (hex, ``inf``, ``nan``... when invalid numbers are allowed), and every
error names what was expected, what was found and where (1-based). Tables are built the
way the C library builds them, element by element in input order, so that Lua lays them
out (and ``next`` walks them) the same way. The parser keeps its own stack: a deep
document does not recurse in Python.
"""

from __future__ import annotations

import re
from typing import Any, Final

_WHITESPACE: Final = re.compile(rb"[ \t\n\r]*")
_PLAIN: Final = re.compile(rb'[^"\\\x00]*')
_HEX4: Final = re.compile(rb"[0-9A-Fa-f]{4}")
_STRTOD: Final = re.compile(
    rb"[+-]?(?:"
    rb"(?P<hex>0[xX](?:[0-9A-Fa-f]+(?:\.[0-9A-Fa-f]*)?|\.[0-9A-Fa-f]+)(?:[pP][+-]?[0-9]+)?)"
    rb"|(?P<inf>[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)"
    rb"|(?P<nan>[nN][aA][nN](?:\([0-9A-Za-z_]*\))?)"
    rb"|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
)
_INVALID_START: Final = re.compile(rb"-?(?:0[xX0-9]|[iI][nN][fF]|[nN][aA][nN])")
_ALLOWED_WORD: Final = re.compile(rb"[iI][nN][fF]|[nN][aA][nN]")
_ESCAPES: Final = {
    ord('"'): b'"',
    ord("\\"): b"\\",
    ord("/"): b"/",
    ord("b"): b"\b",
    ord("f"): b"\f",
    ord("n"): b"\n",
    ord("r"): b"\r",
    ord("t"): b"\t",
}
_PUNCTUATION: Final = {
    ord("{"): "T_OBJ_BEGIN",
    ord("}"): "T_OBJ_END",
    ord("["): "T_ARR_BEGIN",
    ord("]"): "T_ARR_END",
    ord(","): "T_COMMA",
    ord(":"): "T_COLON",
}
_WORDS: Final = ((b"true", "T_BOOLEAN", True), (b"false", "T_BOOLEAN", False), (b"null", "T_NULL"))


class JsonError(Exception):
    """A decoding error, with cjson's message."""


class _TokenError(Exception):
    def __init__(self, found: str, position: int) -> None:
        self.found, self.position = found, position


def strtod(data: bytes, start: int) -> tuple[float, int] | None:
    """What C's ``strtod`` reads at ``start``: (value, end), or None if nothing."""
    match = _STRTOD.match(data, start)
    if match is None:
        return None
    text = match.group()
    negative = text.startswith(b"-")
    if match.group("nan") is not None:
        value = float("-nan" if negative else "nan")
    elif match.group("hex") is not None:
        try:
            value = float.fromhex(text.decode())
        except OverflowError:
            value = float("-inf" if negative else "inf")
    else:
        value = float(text.split(b"(")[0])
    return value, match.end()


class Decoder:
    """One ``decode`` call over ``data``."""

    def __init__(self, lua: Any, null: Any, data: bytes, max_depth: int, invalid: bool) -> None:
        self.lua, self.null, self.max_depth, self.invalid = lua, null, max_depth, invalid
        self.wide = len(data) >= 2 and (data[0] == 0 or data[1] == 0)
        end = data.find(b"\x00")
        self.data = data if end < 0 else data[:end]
        self.pos = 0

    def token(self) -> tuple[str, Any, int]:
        """The next token: (kind, value, 1-based position); errors as ``_TokenError``."""
        data = self.data
        pos = self.pos = _WHITESPACE.match(data, self.pos).end()  # type: ignore[union-attr]
        if pos >= len(data):
            return "T_END", None, pos + 1
        ch = data[pos]
        kind = _PUNCTUATION.get(ch)
        if kind is not None:
            self.pos = pos + 1
            return kind, None, pos + 1
        if ch == 0x22:
            return "T_STRING", self.string(pos), pos + 1
        if ch == 0x2D or 0x30 <= ch <= 0x39:
            if not self.invalid and _INVALID_START.match(data, pos):
                raise _TokenError("invalid number", pos + 1)
            return self.number(pos)
        for word, kind, *value in _WORDS:
            if data.startswith(word, pos):
                self.pos = pos + len(word)
                return kind, value[0] if value else self.null, pos + 1
        if self.invalid and (ch == 0x2B or _ALLOWED_WORD.match(data, pos)):
            return self.number(pos)
        raise _TokenError("invalid token", pos + 1)

    def number(self, pos: int) -> tuple[str, Any, int]:
        parsed = strtod(self.data, pos)
        if parsed is None:
            raise _TokenError("invalid number", pos + 1)
        value, self.pos = parsed
        return "T_NUMBER", value, pos + 1

    def string(self, start: int) -> bytes:
        data, pos, parts = self.data, start + 1, []
        while True:
            plain = _PLAIN.match(data, pos).end()  # type: ignore[union-attr]
            parts.append(data[pos:plain])
            pos = plain
            if pos >= len(data):
                raise _TokenError("unexpected end of string", pos + 1)
            if data[pos] == 0x22:
                self.pos = pos + 1
                return b"".join(parts)
            escape = data[pos + 1] if pos + 1 < len(data) else 0
            if escape == 0x75:
                text, pos = self.unicode_escape(pos)
                parts.append(text)
                continue
            replacement = _ESCAPES.get(escape)
            if replacement is None:
                raise _TokenError("invalid escape code", pos + 1)
            parts.append(replacement)
            pos += 2

    def unicode_escape(self, pos: int) -> tuple[bytes, int]:
        data = self.data
        match = _HEX4.match(data, pos + 2)
        if match is None:
            raise _TokenError("invalid unicode escape code", pos + 1)
        code = int(match.group(), 16)
        end = pos + 6
        if 0xDC00 <= code <= 0xDFFF:
            raise _TokenError("invalid unicode escape code", pos + 1)
        if 0xD800 <= code <= 0xDBFF:
            low = _HEX4.match(data, end + 2) if data[end : end + 2] == b"\\u" else None
            low_code = int(low.group(), 16) if low is not None else 0
            if not 0xDC00 <= low_code <= 0xDFFF:
                raise _TokenError("invalid unicode escape code", pos + 1)
            code = 0x10000 + ((code - 0xD800) << 10) + (low_code - 0xDC00)
            end += 6
        return chr(code).encode("utf-8", "surrogatepass"), end

    def decode(self) -> Any:
        """The decoded value; ``JsonError`` with cjson's message if the text is not JSON."""
        if self.wide:
            raise JsonError("JSON parser does not support UTF-16 or UTF-32")
        expected = "value"
        try:
            result = self.parse()
            expected = "the end"
            kind, _, position = self.token()
        except _Unexpected as exc:
            raise JsonError(
                f"Expected {exc.expected} but found {exc.found} at character {exc.position}"
            ) from None
        except _TokenError as exc:
            raise JsonError(
                f"Expected {expected} but found {exc.found} at character {exc.position}"
            ) from None
        if kind != "T_END":
            raise JsonError(f"Expected the end but found {kind} at character {position}")
        return result

    def expect_token(self, expected: str) -> tuple[str, Any, int]:
        try:
            return self.token()
        except _TokenError as exc:
            raise _Unexpected(expected, exc.found, exc.position) from None

    def parse(self) -> Any:
        """One value; containers through an explicit stack of (table, next index or key)."""
        stack: list[list[Any]] = []
        kind, value, position = self.expect_token("value")
        while True:
            if kind in ("T_ARR_BEGIN", "T_OBJ_BEGIN"):
                if len(stack) + 1 > self.max_depth:
                    raise JsonError(
                        f"Found too many nested data structures ({len(stack) + 1}) "
                        f"at character {position}"
                    )
                table = self.lua.table()
                is_array = kind == "T_ARR_BEGIN"
                kind, value, position = self.expect_token(
                    "value" if is_array else "object key string"
                )
                closing = "T_ARR_END" if is_array else "T_OBJ_END"
                if kind == closing:
                    value = table
                else:
                    stack.append([table, 1 if is_array else None])
                    if not is_array:
                        self.key(stack[-1], kind, value, position)
                        kind, value, position = self.expect_token("value")
                    continue
            elif kind not in ("T_STRING", "T_NUMBER", "T_BOOLEAN", "T_NULL"):
                raise _Unexpected("value", kind, position)
            # ``value`` is complete: store it in its container and find the next one.
            while True:
                if not stack:
                    return value
                frame = stack[-1]
                table, slot = frame
                is_array = isinstance(slot, int)
                table[slot] = value
                expected = "comma or array end" if is_array else "comma or object end"
                kind, value, position = self.expect_token(expected)
                if kind == "T_COMMA":
                    if is_array:
                        frame[1] = slot + 1
                    else:
                        kind, value, position = self.expect_token("object key string")
                        self.key(frame, kind, value, position)
                    kind, value, position = self.expect_token("value")
                    break
                if kind != ("T_ARR_END" if is_array else "T_OBJ_END"):
                    raise _Unexpected(expected, kind, position)
                stack.pop()
                value = table

    def key(self, frame: list[Any], kind: str, value: Any, position: int) -> None:
        if kind != "T_STRING":
            raise _Unexpected("object key string", kind, position)
        frame[1] = value
        kind, _, position = self.expect_token("colon")
        if kind != "T_COLON":
            raise _Unexpected("colon", kind, position)


class _Unexpected(Exception):
    def __init__(self, expected: str, found: str, position: int) -> None:
        self.expected, self.found, self.position = expected, found, position
