"""Which ports a node serves beyond loopback, and the refusal to run them open."""

from __future__ import annotations

from pathlib import Path

import pytest

from rabia.runtime.config import NodeConfig
from rabia.runtime.exposure import is_loopback, open_ports, redis_refusal, refusal
from rabia.transport.tls import TlsFiles

LOCAL = {0: "127.0.0.1:7000", 1: "127.0.0.1:7001", 2: "127.0.0.1:7002"}


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "10.0.0.5", "db.example.com", "2001:db8::1"])
def test_hosts_reachable_from_elsewhere(host: str) -> None:
    assert not is_loopback(host)


def test_open_ports_names_each_exposed_port() -> None:
    ports = [("peer", "0.0.0.0:7000"), ("client", "127.0.0.1:9000"), ("Redis", None)]
    assert open_ports(ports) == ["the peer port 0.0.0.0:7000"]
    assert open_ports([("client", ":9000")]) == []  # no host: loopback, as parse_address
    assert refusal([], "no secret", "Give one") is None


@pytest.mark.parametrize(
    "kw",
    [
        {"bind_address": "0.0.0.0:7100"},
        {"client_address": "0.0.0.0:9000"},
        {"client_address": "10.1.2.3:9000", "bind_address": "[::]:7100"},
    ],
)
def test_a_node_refuses_to_run_open_without_a_secret(kw: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="refusing to run open") as refused:
        NodeConfig(0, LOCAL, **kw)  # type: ignore[arg-type]
    message = str(refused.value)
    assert "--secret-file" in message and "--insecure" in message
    assert all(address in message for address in kw.values())


def test_a_secret_or_insecure_lets_it_run_and_loopback_needs_neither() -> None:
    NodeConfig(0, LOCAL, client_address="127.0.0.1:9000")
    NodeConfig(0, LOCAL, bind_address="0.0.0.0:7100", client_address="0.0.0.0:9000", secret=b"s")
    config = NodeConfig(0, LOCAL, bind_address="0.0.0.0:7100", insecure=True)
    assert config.insecure
    with pytest.raises(ValueError, match="secret is empty"):
        NodeConfig(0, LOCAL, secret=b"")


def test_mutual_tls_covers_the_peer_port_but_not_the_client_port() -> None:
    tls = TlsFiles(Path("cert.pem"), Path("key.pem"), Path("ca.pem"))
    NodeConfig(0, LOCAL, bind_address="0.0.0.0:7100", tls=tls)
    with pytest.raises(ValueError, match=r"client port 0\.0\.0\.0:9000") as refused:
        NodeConfig(0, LOCAL, bind_address="0.0.0.0:7100", client_address="0.0.0.0:9000", tls=tls)
    assert "mutual TLS" not in str(refused.value)  # it would not help there


def test_a_redis_port_beyond_loopback_needs_a_password_or_client_certificates() -> None:
    message = redis_refusal("0.0.0.0:6379", password=False, client_certificates=False)
    assert message is not None and "the Redis port 0.0.0.0:6379" in message
    assert "--password-file" in message and "--resp-tls-ca" in message
    assert redis_refusal("0.0.0.0:6379", password=True, client_certificates=False) is None
    assert redis_refusal("0.0.0.0:6379", password=False, client_certificates=True) is None
    assert redis_refusal("127.0.0.1:6379", password=False, client_certificates=False) is None
    assert redis_refusal(None, password=False, client_certificates=False) is None
