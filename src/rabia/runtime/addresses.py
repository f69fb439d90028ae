"""``host:port`` addresses as the node's options give them."""

from __future__ import annotations


def parse_address(address: str) -> tuple[str, int]:
    """Split ``host:port`` (IPv6 as ``[::1]:port``) into a tuple; no host is loopback."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"address must be host:port, got {address!r}")
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port)
