"""Configuration of one node of a cluster."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rabia.codec import DEFAULT_MAX_FRAME
from rabia.runtime import unsafe as unsafe_builds
from rabia.runtime.addresses import parse_address
from rabia.runtime.exposure import open_ports, refusal
from rabia.storage.base import Durability
from rabia.transport.tls import ServerTls, TlsFiles


@dataclass(frozen=True)
class NodeConfig:
    """Everything one node needs; every member must agree on members, cluster_id, seed."""

    node_id: int
    members: Mapping[int, str]
    """Member id -> peer address ``host:port`` (this node's own entry is where it listens)."""
    client_address: str | None = None
    """Where remote clients connect (``host:port``); None for embedded use only."""
    client_tls: ServerTls | None = None
    """Serve the client port over TLS only, with this certificate and key; with its
    ``ca``, clients must present a certificate signed by it (mutual TLS)."""
    metrics_address: str | None = None
    """Where Prometheus scrapes ``GET /metrics`` (``host:port``); None: no metrics port."""
    metrics_tls: ServerTls | None = None
    """Serve the metrics port over HTTPS only, with this certificate and key."""
    bind_address: str | None = None
    """Where the peer port binds (``host:port``, e.g. ``0.0.0.0:7000``); None: this node's
    own entry in ``members`` (the address its peers dial)."""
    cluster_id: str = "rabia"
    secret: bytes | None = field(default=None, repr=False)
    """Cluster secret: peers prove knowledge of it (HMAC challenge) before they are heard."""
    tls: TlsFiles | None = None
    """Mutual TLS on peer links (certificate, key, CA), or None for plain TCP."""
    data_dir: Path | None = None
    """Where the node keeps its records on disk; None keeps them in memory (not durable:
    such a node must never be restarted under the same id)."""
    durability: Durability = "always"
    """``always`` (fsync per step, survives any crash), ``batch`` or ``off``; see
    ``rabia.storage.base``."""
    flush_interval: float = 0.01
    """Seconds between group syncs in ``batch`` durability."""
    snapshot_every: int = 4096
    """Take a snapshot and compact the log every this many slots (0: never)."""
    join: bool = False
    """Join a running cluster: ``members`` lists the current members (and this node); the
    node becomes a member once a membership change adding it is decided."""
    initial_members: tuple[int, ...] | None = None
    """A joiner's view of the cluster's first (epoch-0) member set; default: every member
    in ``members`` but this node."""
    seed: int = 0
    """Common-coin seed, identical on every member."""
    tick_ms: float = 2.0
    """Length of one protocol tick (re-sends happen after 10 ticks without progress)."""
    max_batch: int = 4096
    """Commands in one proposal at most."""
    batch_hold_ms: float = 2.0
    """Longest hold of a proposal for the callers of the batch just decided (the cohort
    hold of ``rabia.runtime.batching``; 0: off). Never applies to a single caller."""
    max_command_bytes: int = 1024 * 1024
    """Larger commands are rejected before they are proposed."""
    max_frame: int = DEFAULT_MAX_FRAME
    """Largest frame a peer link carries (and accepts)."""
    default_timeout: float = 10.0
    """Seconds ``submit`` waits when called without a timeout."""
    unsafe: frozenset[str] = frozenset()
    """Test only: deliberately broken builds (``rabia.runtime.unsafe``). Never in use."""
    insecure: bool = False
    """Run a peer or client port beyond loopback without ``secret`` or ``tls`` (refused
    otherwise; ``rabia.runtime.exposure``), and take membership changes from clients that
    did not prove the secret."""

    def __post_init__(self) -> None:
        if self.node_id not in self.members:
            raise ValueError(f"node {self.node_id} is not among the members {sorted(self.members)}")
        for address in self.members.values():
            parse_address(address)
        for optional in (
            self.client_address,
            self.metrics_address,
            self.bind_address,
        ):
            if optional is not None:
                parse_address(optional)
        if self.tick_ms <= 0 or self.max_batch < 1:
            raise ValueError("tick_ms and max_batch must be positive")
        if not 0 <= self.batch_hold_ms <= 1000:
            raise ValueError("batch_hold_ms must be between 0 and 1000")
        if self.max_command_bytes > self.max_batch_bytes:
            raise ValueError(
                f"max_command_bytes ({self.max_command_bytes}) must not exceed half of "
                f"max_frame ({self.max_frame}): a proposal carrying it must fit a frame"
            )
        unknown = sorted(self.unsafe - set(unsafe_builds.NAMES))
        if unknown:
            raise ValueError(f"unknown unsafe build(s): {', '.join(unknown)}")
        if self.durability not in ("always", "batch", "off"):
            raise ValueError(f"durability must be always, batch or off, not {self.durability!r}")
        if self.secret is not None and not self.secret:
            raise ValueError("the cluster secret is empty")
        if not self.insecure and self.secret is None:
            problem = self._open_ports_problem()
            if problem is not None:
                raise ValueError(problem)

    def _open_ports_problem(self) -> str | None:
        """Why a node without a secret may not serve its peer or client port as set."""
        client = open_ports([("client", self.client_address)])
        peer = [] if self.tls is not None else open_ports([("peer", self.listen_address_text)])
        tls_would_do = self.tls is None and not client  # TLS authenticates peer links only
        return refusal(
            peer + client,
            "no cluster secret is set",
            "Give --secret-file FILE (the same secret on every member; `rabia up` makes one)"
            + (" or mutual TLS (--tls-cert, --tls-key, --tls-ca)" if tls_would_do else ""),
        )

    @property
    def max_batch_bytes(self) -> int:
        """Bytes of commands in one proposal at most: half a frame, so that a proposal
        (or a decision carrying it) always fits one with room to spare."""
        return self.max_frame // 2

    @property
    def member_ids(self) -> tuple[int, ...]:
        """Member ids in ascending order."""
        return tuple(sorted(self.members))

    def peer_addresses(self) -> dict[int, tuple[str, int]]:
        """Addresses of the other members."""
        return {m: parse_address(a) for m, a in sorted(self.members.items()) if m != self.node_id}

    @property
    def listen_address_text(self) -> str:
        """Where this node accepts peer connections, ``host:port``."""
        return self.bind_address or self.members[self.node_id]

    def listen_address(self) -> tuple[str, int]:
        """Where this node accepts peer connections."""
        return parse_address(self.listen_address_text)
