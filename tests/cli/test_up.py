"""``rabia up``'s port choice (the cluster itself: tests/e2e/test_up.py)."""

from __future__ import annotations

import socket

from rabia.cli.up import free_port_base


def _time_wait(port: int) -> None:
    """Leave a connection in TIME_WAIT on ``port`` (its server side closes first)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen()
    client = socket.create_connection(("127.0.0.1", port), timeout=5)
    accepted, _ = listener.accept()
    accepted.close()  # the active close: this end (local port ``port``) waits
    client.close()
    listener.close()


def test_a_port_left_in_time_wait_is_free_for_a_cluster() -> None:
    base = free_port_base(1, 24000, 28000)
    _time_wait(base)
    assert free_port_base(1, base, base + 10) == base  # servers bind with SO_REUSEADDR


def test_a_listening_port_is_not_free() -> None:
    base = free_port_base(1, 24000, 28000)
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", base))
        taken.listen()
        assert free_port_base(1, base, base + 20) != base
