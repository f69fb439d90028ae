"""TLS on the ports clients reach: ``--resp-tls-*`` (Redis, ``rabia node`` and ``rabia
up``), ``--client-tls-*`` (the port of ``rabia.Client``, ``rabia node``) and
``--metrics-tls-*`` (metrics, ``rabia node``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

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
