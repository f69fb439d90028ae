"""The declared state of a replicated class: its annotated attributes, as one Struct."""

from __future__ import annotations

import copy
import functools
import typing
from collections.abc import Callable
from typing import Any, ClassVar

import msgspec

_encoder = msgspec.msgpack.Encoder()
_FIELD = type(msgspec.field())


def _is_classvar(hint: Any) -> bool:
    return hint is ClassVar or typing.get_origin(hint) is ClassVar


class DeclaredState:
    """Encodes the annotated attributes of an object and puts them back.

    Snapshots are MessagePack maps keyed by attribute name: a field added later with a
    default loads old snapshots (the default fills it); a removed field is ignored."""

    def __init__(self, cls: type, own_hints: set[str]) -> None:
        hints = typing.get_type_hints(cls, include_extras=True)
        fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
        self.defaults: dict[str, Callable[[], Any]] = {}
        for name, hint in hints.items():
            if name in own_hints or _is_classvar(hint):
                continue
            default = _class_default(cls, name)
            if default is None:
                fields.append((name, hint))
                continue
            fields.append((name, hint, default))
            self.defaults[name] = _factory(default)
        self.names = tuple(f[0] for f in fields)
        self.struct: type[msgspec.Struct] = msgspec.defstruct(
            f"{cls.__name__}State", fields, kw_only=True
        )
        self._decoder = msgspec.msgpack.Decoder(self.struct)

    def initialize(self, target: object) -> None:
        """Give ``target`` every declared attribute that has a default."""
        for name, make in self.defaults.items():
            setattr(target, name, make())

    def encode(self, target: object) -> bytes:
        """The declared attributes of ``target``, encoded."""
        try:
            values = {name: getattr(target, name) for name in self.names}
        except AttributeError as exc:
            raise AttributeError(f"declared state not set: {exc}") from None
        return _encoder.encode(self.struct(**values))

    def load(self, target: object, data: bytes) -> None:
        """Set the declared attributes of ``target`` from ``encode``'s bytes."""
        state = self._decoder.decode(data)
        for name in self.names:
            setattr(target, name, getattr(state, name))


def _class_default(cls: type, name: str) -> Any:
    """The default of attribute ``name`` as a msgspec field, or None if it has none."""
    for klass in cls.__mro__:
        if name in vars(klass):
            value = vars(klass)[name]
            if isinstance(value, _FIELD):
                return value
            if isinstance(value, (list, dict, set, bytearray)):
                return msgspec.field(default_factory=functools.partial(copy.deepcopy, value))
            return msgspec.field(default=value)
    return None


def _factory(field: Any) -> Callable[[], Any]:
    if field.default_factory is not msgspec.NODEFAULT:
        return field.default_factory  # type: ignore[no-any-return]
    default = field.default
    return lambda: copy.deepcopy(default)
