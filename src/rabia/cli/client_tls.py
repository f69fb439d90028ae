"""TLS on the ports clients reach: ``--resp-tls-*`` (Redis, ``rabia node`` and ``rabia
up``), ``--client-tls-*`` (the port of ``rabia.Client``, ``rabia node``) and
``--metrics-tls-*`` (metrics, ``rabia node``); and ``--tls-*``, with which client
commands (``rabia status``, ``rabia member``) reach a TLS client port."""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from rabia.transport.tls import ServerTls

F = TypeVar("F", bound=Callable[..., object])

CONFIG_PATHS = (
    "resp_tls_cert",
    "resp_tls_key",
    "resp_tls_ca",
    "client_tls_cert",
    "client_tls_key",
    "client_tls_ca",
    "metrics_tls_cert",
    "metrics_tls_key",
)
"""The options' ``rabia node --config`` keys (paths, relative to the file)."""


def _file(flag: str, text: str) -> Callable[[F], F]:
    return click.option(
        flag,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help=text,
    )


def _tls_options(port: str, what: str, ca_note: str) -> Callable[[F], F]:
    """``--<port>-tls-cert``, ``--<port>-tls-key``, ``--<port>-tls-ca``."""
    flag = f"--{port}-tls"
    options = (
        _file(f"{flag}-cert", f"With {flag}-key: the {what} speaks TLS only."),
        _file(f"{flag}-key", f"The private key of {flag}-cert."),
        _file(
            f"{flag}-ca",
            f"With {flag}-cert/{flag}-key: clients must present a certificate signed by "
            f"this CA (mutual TLS{ca_note}).",
        ),
    )

    def decorate(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


resp_tls_options = _tls_options("resp", "Redis port", "; counts as authentication")
"""``--resp-tls-cert``, ``--resp-tls-key``, ``--resp-tls-ca``."""
client_tls_options = _tls_options("client", "client port (--client)", "")
"""``--client-tls-cert``, ``--client-tls-key``, ``--client-tls-ca``."""


def metrics_tls_options(command: F) -> F:
    """``--metrics-tls-cert``, ``--metrics-tls-key``."""
    command = _file("--metrics-tls-key", "The private key of --metrics-tls-cert.")(command)
    return _file("--metrics-tls-cert", "With --metrics-tls-key: serve metrics over HTTPS only.")(
        command
    )


def server_tls(
    port: str, cert: Path | None, key: Path | None, ca: Path | None = None
) -> ServerTls | None:
    """The checked ``--<port>-tls-*`` files (None: no TLS): the certificate and key go
    together, a CA only with them, and each file loads (a ``click.UsageError`` otherwise)."""
    flag = f"--{port}-tls"
    if cert is None and key is None:
        if ca is not None:
            raise click.UsageError(f"{flag}-ca needs {flag}-cert and {flag}-key")
        return None
    if cert is None or key is None:
        given, missing = ("cert", "key") if key is None else ("key", "cert")
        raise click.UsageError(f"{flag}-{given} needs {flag}-{missing} (they go together)")
    tls = ServerTls(cert, key, ca)
    try:
        tls.context()
    except ValueError as exc:
        raise click.UsageError(f"{flag}: {exc}") from None
    return tls


def pass_resp_tls(tls: ServerTls | None) -> list[str]:
    """The ``rabia node`` options that serve the Redis port with ``tls``."""
    if tls is None:
        return []
    options = ["--resp-tls-cert", str(tls.cert), "--resp-tls-key", str(tls.key)]
    return options + ([] if tls.ca is None else ["--resp-tls-ca", str(tls.ca)])


def dial_tls(ca: Path | None, cert: Path | None, key: Path | None) -> ssl.SSLContext | None:
    """The context a client command reaches TLS client ports with (None: plaintext):
    trusting ``ca``, presenting ``cert``/``key`` when given (they go together)."""
    if ca is None:
        if cert is not None or key is not None:
            raise click.UsageError("--tls-cert and --tls-key need --tls-ca")
        return None
    if (cert is None) != (key is None):
        raise click.UsageError("--tls-cert and --tls-key go together")
    context = ssl.create_default_context(cafile=str(ca))
    if cert is not None and key is not None:
        context.load_cert_chain(str(cert), str(key))
    return context


def dial_tls_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--tls-ca``, ``--tls-cert``, ``--tls-key`` on a client command, which gets them as
    one ``tls`` argument (``dial_tls``)."""

    @functools.wraps(command)
    def with_tls(
        *args: Any, tls_ca: Path | None, tls_cert: Path | None, tls_key: Path | None, **kw: Any
    ) -> Any:
        return command(*args, tls=dial_tls(tls_ca, tls_cert, tls_key), **kw)

    options = (
        _file("--tls-ca", "The CA of the nodes' client-port certificates (--client-tls-*)."),
        _file("--tls-cert", "With --tls-key: this client's certificate (for --client-tls-ca)."),
        _file("--tls-key", "The private key of --tls-cert."),
    )
    decorated: Callable[..., Any] = with_tls
    for option in reversed(options):
        decorated = option(decorated)
    return decorated
