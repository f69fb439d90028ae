"""TlsFiles (mutual TLS on peer links) and ServerTls (TLS on client ports): contexts from
PEM files, checked by real handshakes."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import pytest

from rabia.transport.tls import ServerTls, TlsFiles

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


def server_files(ca: object, directory: Path, *, client_ca: bool) -> ServerTls:
    """A port's certificate for 127.0.0.1 (and, with ``client_ca``, ``ca`` for clients)."""
    files = member_files(ca, directory, "port")
    return ServerTls(files.cert, files.key, files.ca if client_ca else None)


async def greeting(tls: ServerTls, client: ssl.SSLContext) -> bytes:
    """What a TLS client with ``client`` reads from a port serving ``tls`` that greets
    every connection with ``hi`` (b"" when the handshake fails)."""

    async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hi")
        writer.close()

    server = await asyncio.start_server(greet, "127.0.0.1", 0, ssl=tls.context())
    try:
        port = server.sockets[0].getsockname()[1]
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client)
        except (ssl.SSLError, ConnectionError):
            return b""
        try:
            return await asyncio.wait_for(reader.read(), 5)
        except (ssl.SSLError, ConnectionError):
            return b""
        finally:
            writer.close()
    finally:
        server.close()


def client_context(ca: object, directory: Path, *, certificate: bool) -> ssl.SSLContext:
    """A client trusting ``ca``'s port certificate (presenting its own cert, if asked)."""
    context = ssl.create_default_context()
    ca.configure_trust(context)  # type: ignore[attr-defined]
    if certificate:
        files = member_files(ca, directory, "client")
        context.load_cert_chain(files.cert, files.key)
    return context


def test_a_port_without_a_client_ca_serves_any_tls_client(tmp_path: Path) -> None:
    ca = trustme.CA()
    tls = server_files(ca, tmp_path / "port", client_ca=False)
    assert tls.context().verify_mode == ssl.CERT_NONE
    anonymous = client_context(ca, tmp_path / "c", certificate=False)
    assert run(lambda: greeting(tls, anonymous)) == b"hi"


def test_a_port_with_a_client_ca_serves_only_clients_it_signed(tmp_path: Path) -> None:
    ca, rogue = trustme.CA(), trustme.CA()
    tls = server_files(ca, tmp_path / "port", client_ca=True)
    assert tls.context().verify_mode == ssl.CERT_REQUIRED
    signed = client_context(ca, tmp_path / "signed", certificate=True)
    anonymous = client_context(ca, tmp_path / "anonymous", certificate=False)
    foreign = client_context(ca, tmp_path / "foreign", certificate=False)
    rogue_files = member_files(rogue, tmp_path / "rogue", "rogue")
    foreign.load_cert_chain(rogue_files.cert, rogue_files.key)
    assert run(lambda: greeting(tls, signed)) == b"hi"
    assert run(lambda: greeting(tls, anonymous)) == b""
    assert run(lambda: greeting(tls, foreign)) == b""


def test_unusable_files_are_named(tmp_path: Path) -> None:
    ca = trustme.CA()
    good = server_files(ca, tmp_path / "port", client_ca=True)
    other = member_files(ca, tmp_path / "other", "other")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    cases = {
        ServerTls(junk, good.key): f"certificate {junk} with the key {good.key}",
        ServerTls(good.cert, other.key): "with the key",  # a key of another certificate
        ServerTls(good.cert, tmp_path / "absent.key"): "No such file",
        ServerTls(good.cert, good.key, junk): f"CA certificate {junk}",
    }
    for tls, message in cases.items():
        with pytest.raises(ValueError, match=message):
            tls.context()
