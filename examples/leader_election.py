"""Leader election on a rabia KV cluster: run several copies; one leads at a time.

    rabia up                                    # in another terminal
    python examples/leader_election.py worker-1
    python examples/leader_election.py worker-2

Kill the leader (Ctrl-C or kill -9) and another copy takes over within the TTL. Each
line printed is JSON: ``{"candidate", "term", "valid_from", "valid_until"}`` whenever
leadership is won or renewed (times are ``time.monotonic()``: comparable between
processes on one machine), ``{"candidate", "lost": term}`` when it is lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from rabia.kv.client import KVClient
from rabia.kv.election import Election


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidate")
    parser.add_argument("--nodes", default="127.0.0.1:6380,127.0.0.1:6381,127.0.0.1:6382")
    parser.add_argument("--name", default="demo")
    parser.add_argument("--ttl", type=float, default=3.0)
    args = parser.parse_args()
    # Each candidate starts at a different node (rotate the list by the candidate's name).
    nodes = args.nodes.split(",")
    shift = sum(args.candidate.encode()) % len(nodes)
    client = KVClient(nodes[shift:] + nodes[:shift], timeout=args.ttl)
    election = Election(client, args.name.encode(), ttl=args.ttl)
    loop = asyncio.get_running_loop()
    offset = time.monotonic() - loop.time()  # loop time -> time.monotonic()
    while True:
        leadership = await election.campaign(args.candidate.encode())
        start = loop.time()
        while leadership.is_valid():
            # The leader's work goes here, checking is_valid() before each step.
            emit(
                candidate=args.candidate,
                term=leadership.term,
                valid_from=start + offset,
                valid_until=leadership.valid_until + offset,
            )
            await asyncio.sleep(election.ttl / 6)
        emit(candidate=args.candidate, lost=leadership.term)
        await leadership.resign()


if __name__ == "__main__":
    asyncio.run(main())
