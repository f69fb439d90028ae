"""Proofs of the cluster secret on the client port."""

from __future__ import annotations

from rabia.runtime.client_auth import ROLE_CLIENT, ROLE_NODE, new_nonce, proof, proof_problem
from rabia.transport.handshake import ROLE_DIALER, compute_mac


def test_a_proof_checks_only_for_its_secret_role_and_nonces() -> None:
    node, client = new_nonce(), new_nonce()
    mac = proof(b"secret", ROLE_CLIENT, node, client)
    assert proof_problem(b"secret", ROLE_CLIENT, node, client, mac) is None
    assert proof_problem(b"other", ROLE_CLIENT, node, client, mac) is not None
    assert proof_problem(b"secret", ROLE_NODE, node, client, mac) is not None  # no reflection
    assert proof_problem(b"secret", ROLE_CLIENT, new_nonce(), client, mac) is not None  # replay
    assert "nonce of 3 bytes" in str(proof_problem(b"secret", ROLE_CLIENT, node, b"abc", mac))


def test_a_client_proof_never_passes_for_a_member_handshake() -> None:
    node, client = new_nonce(), new_nonce()
    member = compute_mac(
        b"secret",
        ROLE_DIALER,
        cluster_id="rabia",
        dialer_id=1,
        listener_id=0,
        dialer_nonce=client,
        listener_nonce=node,
    )
    assert member != proof(b"secret", ROLE_CLIENT, node, client)
    assert proof_problem(b"secret", ROLE_CLIENT, node, client, member) is not None
