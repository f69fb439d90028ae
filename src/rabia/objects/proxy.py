"""Proxies: call a replicated object's methods from a node (embedded) or a client."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from rabia.objects.errors import BadCall, BadReply, CommandFailed
from rabia.objects.methods import Failure, Kind, Method
from rabia.objects.replicated import BAD_CALL, Replicated, schema_of
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
    ``@command`` and ``@query`` methods exist on the proxy (the state does not)."""
    return _Proxy(cls, schema_of(cls), channel)  # type: ignore[return-value]


def local(cls: type[T], node: Channel) -> T:
    """A proxy of the ``cls`` object that the embedded ``node`` replicates."""
    machine = getattr(node, "machine", None)
    if machine is not None and not isinstance(machine, cls):
        raise TypeError(f"the node replicates a {type(machine).__name__}, not a {cls.__name__}")
    return remote(cls, node)


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
        send = self._channel.submit if method.kind is Kind.COMMAND else self._channel.read
        call = _caller(method, send, self._schema)
        setattr(self, name, call)
        return call

    def __repr__(self) -> str:
        return f"<proxy of {self._cls.__name__} through {self._channel!r}>"


def _caller(
    method: Method, send: Callable[[bytes], Coroutine[Any, Any, bytes]], schema: Schema
) -> Callable[..., Coroutine[Any, Any, Any]]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        reply = await send(method.encode_call(args, kwargs))
        return unwrap(method, reply, schema)

    call.__name__ = call.__qualname__ = method.name
    return call


def unwrap(method: Method, reply: bytes, schema: Schema) -> Any:
    """The value of ``reply``, or its failure raised as the right exception."""
    try:
        decoded = method.decode_reply(reply)
    except Exception as exc:
        raise BadReply(f"{method.name}: reply does not fit its return type: {exc}") from None
    if not isinstance(decoded, Failure):
        return decoded.value
    if decoded.type_name == BAD_CALL:
        raise BadCall(f"{method.name}: {decoded.message}")
    declared = schema.errors.get(decoded.type_name)
    if declared is not None:
        try:
            error = declared(*decoded.args)
        except Exception:
            error = None
        if error is not None:
            raise error
    raise CommandFailed(method.name, decoded.type_name, decoded.message)
