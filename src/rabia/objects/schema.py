"""Everything a replicated class needs at run time, built once per class on first use."""

from __future__ import annotations

from typing import Any, Union

import msgspec

from rabia.objects.calls import Method
from rabia.objects.methods import Kind, options_of
from rabia.objects.state import DeclaredState


class Schema:
    """The methods, the call decoders, the declared state and errors of one class."""

    def __init__(
        self,
        cls: type,
        base_hints: set[str],
        rollback: bool,
        errors: tuple[type[Exception], ...],
    ) -> None:
        self.name = cls.__name__
        self.methods: dict[str, Method] = {}
        for name in dir(cls):
            options = options_of(getattr(cls, name, None))
            if options is not None:
                method = Method(name, getattr(cls, name), options)
                if method.rollback is None:
                    method.rollback = rollback
                self.methods[name] = method
        self.by_type: dict[type, Method] = {m.arguments: m for m in self.methods.values()}
        self.commands = _decoder([m for m in self.methods.values() if m.kind is Kind.COMMAND])
        self.queries = _decoder([m for m in self.methods.values() if m.kind is Kind.QUERY])
        self.state = DeclaredState(cls, base_hints)
        self.errors: dict[str, type[Exception]] = {e.__name__: e for e in errors}


def _decoder(methods: list[Method]) -> msgspec.msgpack.Decoder[Any] | None:
    if not methods:
        return None
    union: Any = Union[tuple(m.arguments for m in methods)]  # noqa: UP007 (built at run time)
    return msgspec.msgpack.Decoder(union)
