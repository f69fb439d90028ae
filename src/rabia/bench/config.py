"""What one benchmark run is asked to do: :class:`BenchConfig`."""

from __future__ import annotations

from dataclasses import dataclass

from rabia.bench.protocol import Api, Mode, Op, PeerClient, System


@dataclass(frozen=True, slots=True)
class BenchConfig:
    """One benchmark run of one system."""

    system: System = "rabia"
    nodes: int = 3
    duration: float = 10.0
    warmup: float = 2.0
    mode: Mode = "throughput"
    concurrency: int = 1000
    """Writes in flight per node in throughput mode (latency mode always uses 1)."""
    value_size: int = 10
    ready_timeout: float = 30.0
    submit_timeout: float = 10.0
    use_uvloop: bool = True
    peer_client: PeerClient = "callback"
    host: str = "127.0.0.1"
    durability: str | None = None
    """rabia only: None keeps records in memory; always/batch/off use SQLite in a temp dir."""
    label: str | None = None
    """Name shown for this run (default: the system)."""
    op: Op = "write"
    """rabia only: writes, barrier reads or log reads."""
    api: Api = "raw"
    """rabia only: write through the raw StateMachine or a replicated object's command."""
