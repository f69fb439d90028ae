"""TLS contexts from PEM files (stdlib ``ssl``): mutual TLS on peer links, and TLS on
the ports clients reach (Redis, metrics)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TlsFiles:
    """A node's certificate and key, and the CA that signed every member's certificate."""

    cert: Path
    key: Path
    ca: Path

    def server_context(self) -> ssl.SSLContext:
        """Listener side: present our certificate, require a member's certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(self.ca))
        context.load_cert_chain(str(self.cert), str(self.key))
        context.verify_mode = ssl.CERT_REQUIRED
        return context

    def client_context(self) -> ssl.SSLContext:
        """Dialer side: verify the listener against the CA, present our certificate.

        Host names are not checked: members are addressed by IP and are authenticated by
        the CA (and, with a cluster secret, by the handshake's HMAC as well).
        """
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(self.ca))
        context.check_hostname = False
        context.load_cert_chain(str(self.cert), str(self.key))
        return context


@dataclass(frozen=True)
class ServerTls:
    """A port's certificate and key for TLS-only serving; with ``ca``, its clients must
    present a certificate signed by that CA (mutual TLS)."""

    cert: Path
    key: Path
    ca: Path | None = None

    def context(self) -> ssl.SSLContext:
        """The listener's context (TLS 1.2 or later). Raises ``ValueError`` naming the file
        when one cannot be read or holds no usable certificate, key or CA."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)  # trusts no CA yet
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.load_cert_chain(str(self.cert), str(self.key))
        except OSError as exc:  # ssl.SSLError included
            raise ValueError(
                f"cannot use the certificate {self.cert} with the key {self.key}: {exc}"
            ) from None
        if self.ca is not None:
            try:
                context.load_verify_locations(cafile=str(self.ca))
            except OSError as exc:
                raise ValueError(f"cannot use the CA certificate {self.ca}: {exc}") from None
            context.verify_mode = ssl.CERT_REQUIRED
        return context
