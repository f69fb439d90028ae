"""``rabia status``: one line per node — membership, progress, fast path, health."""

from __future__ import annotations

import asyncio
import json
import ssl
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from rabia.cli.client_tls import dial_tls_options
from rabia.cli.options import read_secret, secret_file_option
from rabia.client import Client
from rabia.errors import RabiaError

Status = dict[str, int | float | str | None]


async def _collect(
    addresses: list[str], secret: bytes | None, tls: ssl.SSLContext | None = None
) -> list[tuple[str, Status | None, str]]:
    async def one(address: str) -> tuple[str, Status | None, str]:
        try:
            async with Client(
                [address], timeout=5, connect_timeout=2, secret=secret, tls=tls
            ) as client:
                return address, await client.status(timeout=5), ""
        except RabiaError as exc:
            return address, None, str(exc)

    return list(await asyncio.gather(*(one(a) for a in addresses)))


def _ratio(part: object, whole: object) -> str:
    if not isinstance(part, int) or not isinstance(whole, int) or whole <= 0:
        return "-"
    return f"{100 * part / whole:.1f} %"


@click.command()
@click.option(
    "--node", "nodes", multiple=True, required=True, help="HOST:PORT of a client port (repeat)."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per node instead.")
@secret_file_option
@dial_tls_options
def status(
    nodes: tuple[str, ...], as_json: bool, secret_file: Path | None, tls: ssl.SSLContext | None
) -> None:
    """Show every node's members, epoch, slots, fast-path and NULL ratios, and health."""
    results = asyncio.run(_collect(list(nodes), read_secret(secret_file), tls))
    if as_json:
        for address, stats, error in results:
            click.echo(json.dumps({"address": address, "status": stats, "error": error or None}))
    else:
        table = Table(title="rabia cluster")
        for column in ("node", "address", "members", "epoch", "next slot", "applied"):
            table.add_column(column)
        for column in ("fast path", "NULL", "resends", "health"):
            table.add_column(column)
        for address, stats, error in results:
            if stats is None:
                table.add_row("?", address, "", "", "", "", "", "", "", f"unreachable: {error}")
                continue
            table.add_row(
                str(stats.get("node_id")),
                address,
                str(stats.get("members", "")),
                str(stats.get("epoch", "")),
                str(stats.get("next_slot", "")),
                str(stats.get("applied_slot", "")),
                _ratio(stats.get("fast_path"), stats.get("decided_by_votes")),
                _ratio(stats.get("null_slots"), stats.get("slots_decided")),
                str(stats.get("resends", "")),
                ("up" if stats.get("running") else "stopped")
                + (" INSECURE" if stats.get("insecure") else ""),
            )
        Console().print(table)
    if any(stats is None for _, stats, _ in results):
        raise SystemExit(1)
