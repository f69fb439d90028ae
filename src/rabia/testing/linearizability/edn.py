"""A small EDN reader: enough for Jepsen history lines.

Maps become ``dict``, vectors and lists ``tuple`` (hashable), sets ``frozenset``,
keywords :class:`Keyword` (a ``str`` that equals its name, so ``m["process"]`` finds
``:process``), ``nil``/``true``/``false`` ``None``/``True``/``False``, numbers ``int``
or ``float``, symbols ``str``. Tagged literals and other dispatch forms are not
supported.
"""

from __future__ import annotations

_DELIMITERS = frozenset(' \t\r\n,()[]{}";')
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
_CLOSERS = {"(": ")", "[": "]", "{": "}"}


class Keyword(str):
    """An EDN keyword, without its colon."""

    __slots__ = ()

    def __repr__(self) -> str:
        return ":" + str(self)


class EDNError(ValueError):
    """Malformed EDN text."""


def read(text: str) -> object:
    """The one value in ``text``."""
    reader = _Reader(text)
    value = reader.value()
    reader.skip()
    if reader.pos != len(text):
        raise EDNError(f"trailing text at {reader.pos}: {text[reader.pos : reader.pos + 20]!r}")
    return value


class _Reader:
    __slots__ = ("pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text):
            ch = text[pos]
            if ch in " \t\r\n,":
                pos += 1
            elif ch == ";":
                end = text.find("\n", pos)
                pos = len(text) if end < 0 else end
            else:
                break
        self.pos = pos

    def value(self) -> object:
        self.skip()
        if self.pos >= len(self.text):
            raise EDNError("unexpected end of input")
        ch = self.text[self.pos]
        if ch in _CLOSERS:
            self.pos += 1
            items = self.until(_CLOSERS[ch])
            if ch != "{":
                return tuple(items)
            if len(items) % 2:
                raise EDNError("a map needs an even number of forms")
            return dict(zip(items[::2], items[1::2], strict=True))
        if ch == "#" and self.text.startswith("#{", self.pos):
            self.pos += 2
            return frozenset(self.until("}"))
        if ch == '"':
            return self.string()
        return self.atom()

    def until(self, closer: str) -> list[object]:
        items: list[object] = []
        while True:
            self.skip()
            if self.pos >= len(self.text):
                raise EDNError(f"missing {closer!r}")
            if self.text[self.pos] == closer:
                self.pos += 1
                return items
            items.append(self.value())

    def string(self) -> str:
        text, pos = self.text, self.pos + 1
        out: list[str] = []
        while pos < len(text):
            ch = text[pos]
            if ch == '"':
                self.pos = pos + 1
                return "".join(out)
            if ch == "\\":
                pos += 1
                if pos >= len(text):
                    break
                esc = text[pos]
                if esc == "u":
                    out.append(chr(int(text[pos + 1 : pos + 5], 16)))
                    pos += 5
                    continue
                if esc not in _ESCAPES:
                    raise EDNError(f"bad escape \\{esc} at {pos}")
                out.append(_ESCAPES[esc])
            else:
                out.append(ch)
            pos += 1
        raise EDNError("unterminated string")

    def atom(self) -> object:
        text, start = self.text, self.pos
        end = start
        while end < len(text) and text[end] not in _DELIMITERS:
            end += 1
        if end == start:
            raise EDNError(f"unexpected {text[start]!r} at {start}")
        self.pos = end
        token = text[start:end]
        if token[0] == ":":
            return Keyword(token[1:])
        if token == "nil":
            return None
        if token in ("true", "false"):
            return token == "true"
        return _number(token)


def _number(token: str) -> object:
    digits = token[1:] if token[0] in "+-" else token
    if not digits or not digits[0].isdigit():
        return token  # a symbol
    body = token[:-1] if token[-1] in "NM" and len(token) > 1 else token
    try:
        return int(body)
    except ValueError:
        pass
    try:
        return float(body)
    except ValueError:
        raise EDNError(f"bad number {token!r}") from None
