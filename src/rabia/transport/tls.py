"""Mutual-TLS contexts for peer links from PEM files (stdlib ``ssl``)."""

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
