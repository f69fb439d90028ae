"""``host:port`` parsing."""

from __future__ import annotations

import pytest

from rabia.runtime.addresses import parse_address


def test_addresses_split_with_ipv6_and_a_missing_host() -> None:
    assert parse_address("10.0.0.1:7000") == ("10.0.0.1", 7000)
    assert parse_address("[::1]:7000") == ("::1", 7000)
    assert parse_address(":7000") == ("127.0.0.1", 7000)
    for bad in ("7000", "host:", "host:port"):
        with pytest.raises(ValueError, match="host:port"):
            parse_address(bad)
