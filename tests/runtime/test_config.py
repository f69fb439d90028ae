"""NodeConfig (``rabia.runtime.config``): ``bind_address`` (``rabia node --listen``) binds one
address while the node is dialed at another."""

from __future__ import annotations

import pytest

from rabia.runtime import NodeConfig


def test_listen_address_defaults_to_the_own_peer_entry() -> None:
    members = {0: "127.0.0.1:7000", 1: "127.0.0.1:7001"}
    assert NodeConfig(0, members).listen_address() == ("127.0.0.1", 7000)
    bound = NodeConfig(0, members, bind_address="0.0.0.0:7100", secret=b"s")
    assert bound.listen_address() == ("0.0.0.0", 7100)
    with pytest.raises(ValueError, match="host:port"):
        NodeConfig(0, members, bind_address="7100")
