"""TlsFiles: mutual-TLS contexts from PEM files, checked by a real handshake."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from rabia.transport.tls import TlsFiles

from .helpers import SECRET, close_all, exchange, run, start_cluster

trustme = pytest.importorskip("trustme")


def member_files(ca: object, directory: Path, name: str) -> TlsFiles:
    """A member's certificate and key signed by ``ca``, and the CA, as PEM files."""
    directory.mkdir()
    cert = ca.issue_cert("127.0.0.1")  # type: ignore[attr-defined]
    cert.cert_chain_pems[0].write_to_path(directory / f"{name}.crt")
    cert.private_key_pem.write_to_path(directory / f"{name}.key")
    ca.cert_pem.write_to_path(directory / "ca.crt")  # type: ignore[attr-defined]
    return TlsFiles(directory / f"{name}.crt", directory / f"{name}.key", directory / "ca.crt")


def test_contexts_require_certificates_and_skip_host_names(tmp_path: Path) -> None:
    files = member_files(trustme.CA(), tmp_path / "n1", "n1")
    server = files.server_context()
    client = files.client_context()
    assert server.verify_mode == ssl.CERT_REQUIRED
    assert client.verify_mode == ssl.CERT_REQUIRED and not client.check_hostname


def test_members_of_one_ca_link_up(tmp_path: Path) -> None:
    ca = trustme.CA()
    files = {i: member_files(ca, tmp_path / f"n{i}", f"n{i}") for i in (1, 2)}

    def options(i: int) -> dict[str, object]:
        return {
            "secret": SECRET,
            "server_ssl": files[i].server_context(),
            "client_ssl": files[i].client_context(),
        }

    async def main() -> None:
        nodes = await start_cluster([1, 2], options=options)
        await exchange(nodes, 0)
        await close_all(nodes)

    run(main)
