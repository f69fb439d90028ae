"""redis-cli as people use it: one-shot commands, --json, commands on stdin, --pipe mass
insert."""

from __future__ import annotations

import redis

from tests.e2e.redis_clients.steps import MAX_KEYS
from tests.e2e.redis_up import RabiaUp, require_redis_cli, run_cli


def test_redis_cli_commands_and_stdin(cluster: RabiaUp) -> None:
    cli = require_redis_cli()
    ports = cluster.ports
    for i, port in enumerate(ports):  # one-shot commands: write at i, read at the others
        assert run_cli(cli, port, "SET", f"cli{i}", f"value {i}") == "OK\n"
        for other in ports:
            assert run_cli(cli, other, "GET", f"cli{i}") == f"value {i}\n"
    assert run_cli(cli, ports[0], "GET", "nope") == "\n"
    assert run_cli(cli, ports[1], "INCR", "cli0").startswith("ERR value is not an integer")
    done = run_cli(cli, ports[2], "--json", "MGET", "cli0", "cli1", "nope")
    assert done == '["value 0","value 1",null]\n'
    assert "# Consensus" in run_cli(cli, ports[0], "INFO")
    script = b'SET batch 10\nINCRBY batch 5\nGET batch\nSET "two words" "a \\"quoted\\" value"\n'
    assert run_cli(cli, ports[1], stdin=script) == "OK\n15\n15\nOK\n"
    assert run_cli(cli, ports[2], "GET", "two words") == 'a "quoted" value\n'


def test_redis_cli_pipe_mass_insert(cluster: RabiaUp) -> None:
    cli = require_redis_cli()
    n = MAX_KEYS - 1
    resp = b"".join(
        b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v)
        for k, v in ((b"mass:%d" % i, b"%d" % i) for i in range(n))
    )
    out = run_cli(cli, cluster.ports[0], "--pipe", stdin=resp)
    assert f"errors: 0, replies: {n}" in out, out
    inline = b"".join(b"INCRBY mass:%d 1000\r\n" % i for i in range(n)) + b"INCR mass:text\r\n"
    out = run_cli(cli, cluster.ports[1], "--pipe", stdin=inline)
    assert f"errors: 0, replies: {n + 1}" in out, out
    client = redis.Redis(port=cluster.ports[2])
    try:
        values = client.mget([f"mass:{i}" for i in range(n)])
        assert values == [b"%d" % (1000 + i) for i in range(n)]
        assert client.dbsize() == n + 1
    finally:
        client.close()
