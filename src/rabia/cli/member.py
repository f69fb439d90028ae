"""``rabia member add|remove|list``: change a running cluster's membership online."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import click

from rabia.cli.client_tls import dial_tls_options
from rabia.cli.options import read_secret, secret_file_option
from rabia.client import Client
from rabia.errors import RabiaError

_NODE = click.option(
    "--node",
    "nodes",
    multiple=True,
    required=True,
    help="HOST:PORT of a member's client port (repeat to fail over).",
)


@click.group()
def member() -> None:
    """Add or remove one member at a time, or list the members."""


def _run(
    nodes: tuple[str, ...],
    secret: Path | None,
    tls: ssl.SSLContext | None,
    add: list[tuple[int, str]],
    remove: list[int],
) -> None:
    async def go() -> list[int]:
        async with Client(list(nodes), secret=read_secret(secret), tls=tls) as client:
            return await client.reconfigure(add, remove)

    try:
        members = asyncio.run(go())
    except RabiaError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("members: " + " ".join(map(str, members)))


@member.command("add")
@click.argument("spec")
@_NODE
@secret_file_option
@dial_tls_options
def add(
    spec: str, nodes: tuple[str, ...], secret_file: Path | None, tls: ssl.SSLContext | None
) -> None:
    """Add member SPEC = ID=HOST:PORT (its peer address); start it with --join first."""
    ident, sep, address = spec.partition("=")
    if not sep or not ident.isdigit():
        raise click.BadParameter("expected ID=HOST:PORT", param_hint="SPEC")
    _run(nodes, secret_file, tls, [(int(ident), address)], [])


@member.command("remove")
@click.argument("ident", type=int)
@_NODE
@secret_file_option
@dial_tls_options
def remove(
    ident: int, nodes: tuple[str, ...], secret_file: Path | None, tls: ssl.SSLContext | None
) -> None:
    """Remove member IDENT."""
    _run(nodes, secret_file, tls, [], [ident])


@member.command("list")
@_NODE
@secret_file_option
@dial_tls_options
def list_members(
    nodes: tuple[str, ...], secret_file: Path | None, tls: ssl.SSLContext | None
) -> None:
    """Print the members the node knows, with its epoch."""

    async def go() -> dict[str, int | float | str | None]:
        async with Client(list(nodes), secret=read_secret(secret_file), tls=tls) as client:
            return await client.status()

    try:
        status = asyncio.run(go())
    except RabiaError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"members: {str(status.get('members', '')).replace(',', ' ')}")
    click.echo(f"epoch: {status.get('epoch')}")
