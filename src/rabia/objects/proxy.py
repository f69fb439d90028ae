"""Proxies: call a replicated object's methods from a node (embedded) or a client."""

from __future__ import annotations

import typing
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol, TypeVar

from rabia.objects.calls import Method, raise_failure, unwrap
from rabia.objects.methods import Kind
from rabia.objects.replicated import Replicated, schema_of
from rabia.objects.schema import Schema

T = TypeVar("T", bound=Replicated)


class Channel(Protocol):
    """What a proxy sends through: ``rabia.Node`` and ``rabia.Client`` both are one."""

    async def submit(self, command: bytes, /) -> bytes: ...

    async def read(self, query: bytes, /) -> bytes: ...


def remote(cls: type[T], channel: Channel) -> T:
    """A proxy of the ``cls`` object served by the cluster ``channel`` (a ``Client``)
    reaches. Typed as ``cls``: ``await proxy.method(...)`` keeps the method's signature.
    Commands go through the log exactly once, queries through the read barrier; only
    ``@command`` and ``@query`` methods exist on the proxy (the state does not). A
    generic class may be given with its parameters (``ReplDict[float]``)."""
    origin = _origin(cls)
    return _Proxy(origin, schema_of(origin), channel)  # type: ignore[return-value]


def local(cls: type[T], node: Channel) -> T:
    """A proxy of the ``cls`` object that the embedded ``node`` replicates."""
    machine, origin = getattr(node, "machine", None), _origin(cls)
    if machine is not None and not isinstance(machine, origin):
        raise TypeError(f"the node replicates a {type(machine).__name__}, not a {origin.__name__}")
    return remote(cls, node)


def _origin(cls: type[T]) -> type[T]:
    """``cls`` itself, or the class of a parametrized generic (``ReplDict[float]``)."""
    origin: type[T] | None = typing.get_origin(cls)
    return cls if origin is None else origin


class _Proxy:
    def __init__(self, cls: type, schema: Schema, channel: Channel) -> None:
        self._cls = cls
        self._schema = schema
        self._channel = channel

    def __getattr__(self, name: str) -> Callable[..., Coroutine[Any, Any, Any]]:
        method = self._schema.methods.get(name)
        if method is None:
            raise AttributeError(
                f"{self._cls.__name__}.{name} is not a @command or @query: "
                "a proxy forwards only those"
            )
        channel = self._channel
        send: Callable[[bytes], Awaitable[bytes]]
        if method.kind is Kind.QUERY:
            send = channel.read
        else:  # a Node's future, when it offers one: one coroutine less per call
            send = getattr(channel, "submit_future", None) or channel.submit
        call = _caller(method, send, self._schema)
        setattr(self, name, call)
        return call

    def __repr__(self) -> str:
        return f"<proxy of {self._cls.__name__} through {self._channel!r}>"


def _caller(
    method: Method, send: Callable[[bytes], Awaitable[bytes]], schema: Schema
) -> Callable[..., Coroutine[Any, Any, Any]]:
    errors, decode = schema.errors, method.decode_reply
    ok: Any = method.ok

    async def call(*args: Any, **kwargs: Any) -> Any:
        reply = await send(method.encode_call(args, kwargs))
        try:
            decoded = decode(reply)
        except Exception:
            return unwrap(method, reply, errors)  # raises BadReply, naming why
        if type(decoded) is ok:
            return decoded.value
        raise_failure(method, decoded, errors)

    call.__name__ = call.__qualname__ = method.name
    return call
