"""Which of a node's ports serve beyond loopback, and whether they demand proof of identity.

A node refuses to run open (issue 15, docs/operations.md "Threat model"): a peer or
client port bound to anything but a loopback address needs the cluster secret (HMAC
challenges) or mutual TLS, and a Redis port so bound needs a password or client
certificates (mutual TLS), unless the operator says ``--insecure``. Loopback ports serve
only the local host's users.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from rabia.runtime.addresses import parse_address

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
"""Host names taken as loopback without resolving them."""


def is_loopback(host: str) -> bool:
    """True when ``host`` (an address or a name) can only be reached from this host.

    Names other than ``localhost`` are not resolved: they count as reachable from
    elsewhere, as does the wildcard (``0.0.0.0``, ``::``, empty)."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def open_ports(ports: Iterable[tuple[str, str | None]]) -> list[str]:
    """``"<port> port <address>"`` for each (port name, ``host:port``) bound beyond
    loopback (None: the port is not served)."""
    out = []
    for name, address in ports:
        if address is None:
            continue
        if not is_loopback(parse_address(address)[0]):
            out.append(f"the {name} port {address}")
    return out


def refusal(exposed: list[str], missing: str, remedy: str) -> str | None:
    """The message a node refuses to start with when ``exposed`` ports lack ``missing``
    (None when nothing is exposed)."""
    if not exposed:
        return None
    return (
        f"refusing to run open: {' and '.join(exposed)} "
        f"{'binds' if len(exposed) == 1 else 'bind'} beyond loopback and {missing}, so "
        f"anyone who can reach {'it' if len(exposed) == 1 else 'them'} is trusted. "
        f"{remedy}, or --insecure to run open anyway."
    )


def redis_refusal(address: str | None, *, password: bool, client_certificates: bool) -> str | None:
    """Why a node may not serve its Redis port at ``address`` (None: it may): bound beyond
    loopback, its clients must prove who they are, by a password or by a certificate."""
    if password or client_certificates:
        return None
    return refusal(
        open_ports([("Redis", address)]),
        "neither a password (--password-file) nor client certificates (--resp-tls-ca) are required",
        "Give --password-file FILE, or require client certificates with --resp-tls-ca FILE "
        "(and --resp-tls-cert, --resp-tls-key)",
    )


INSECURE_WARNING = (
    "INSECURE: --insecure given: ports beyond loopback run without proof of identity; anyone "
    "who can reach the peer port can speak as a member (and break agreement), anyone who "
    "can reach the client port can submit commands and change the membership"
)
"""Logged at start by a node run with ``--insecure`` (also shown by ``rabia status``/INFO)."""
