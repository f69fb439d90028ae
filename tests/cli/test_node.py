"""`rabia node --config node.toml` without a process: reading the TOML file, refusing bad
keys and values, required options (a cluster started from such files:
tests/e2e/test_node_config.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rabia.cli import main
from rabia.cli.node import read_config


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_unknown_keys_and_wrong_types_are_refused_naming_the_key(tmp_path: Path) -> None:
    runner = CliRunner()
    cases = {
        'data-dir = "x"': "unknown key 'data-dir' (did you mean 'data_dir'?)",
        "bogus = 1": "unknown key 'bogus'",
        'id = "0"': "key 'id' must be an integer",
        "seed = true": "key 'seed' must be an integer",
        'tick_ms = "2"': "key 'tick_ms' must be a number",
        'batch_hold_ms = "1"': "key 'batch_hold_ms' must be a number",
        "join = 1": "key 'join' must be a boolean",
        "data_dir = 5": "key 'data_dir' must be a path",
        'peers = "0=127.0.0.1:1"': "key 'peers' must be a table",
        '[peers]\nx = "127.0.0.1:1"': "key 'peers' must map member ids",
        "[peers]\n0 = 7000": "key 'peers' must map member ids",
        "initial = 1": "key 'initial' must be a list of member ids",
        'durability = "sometimes"': "key 'durability' must be always, batch or off",
        'secret = "a"\nsecret_file = "b"': "keys 'secret' and 'secret_file' exclude each other",
        "id = ": "not valid TOML",
    }
    for i, (text, message) in enumerate(cases.items()):
        path = write(tmp_path / f"bad{i}.toml", text + "\n")
        result = runner.invoke(main, ["node", "--config", str(path)])
        assert result.exit_code == 2, (text, result.output)
        assert "Invalid value for '--config'" in result.output, result.output
        assert message in " ".join(result.output.split()), (text, result.output)


def test_read_config_maps_keys_to_options_and_paths_to_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "node.toml",
        """
id = 1
listen = "0.0.0.0:7001"
machine = "machines.py:AppendLog"
data_dir = "/var/lib/rabia"
secret_file = "secret"
tls_cert = "tls/node1.pem"
initial = [0, 1, 2]
join = true
insecure = true
reads = "log"
flush_ms = 10
password = "hunter2"
[peers]
0 = "10.0.0.10:7000"
1 = "10.0.0.11:7000"
""",
    )
    defaults, inline = read_config(path)
    assert defaults == {
        "node_id": 1,
        "listen": "0.0.0.0:7001",
        "machine": f"{tmp_path / 'machines.py'}:AppendLog",
        "data_dir": "/var/lib/rabia",
        "secret_file": str(tmp_path / "secret"),
        "tls_cert": str(tmp_path / "tls/node1.pem"),
        "initial": "0,1,2",
        "join": True,
        "insecure": True,
        "reads": "log",
        "flush_ms": 10,
        "peers": ["0=10.0.0.10:7000", "1=10.0.0.11:7000"],
    }
    assert inline == {"password": "hunter2"}
    module = write(tmp_path / "m.toml", 'machine = "rabia.kv:KVMachine"\n')
    assert read_config(module)[0] == {"machine": "rabia.kv:KVMachine"}


def test_without_config_the_required_options_are_still_required() -> None:
    result = CliRunner().invoke(main, ["node", "--machine", "rabia.kv:KVMachine"])
    assert result.exit_code == 2 and "Missing option" in result.output


@pytest.mark.parametrize("option", ["--peer", "--machine"])
def test_a_config_file_satisfies_required_options(tmp_path: Path, option: str) -> None:
    """A file with everything but one required option: click asks for just that one."""
    lines = {"--peer": '[peers]\n0 = "127.0.0.1:1"', "--machine": 'machine = "rabia.kv:KVMachine"'}
    text = "id = 0\n" + "\n".join(v for k, v in lines.items() if k != option) + "\n"
    result = CliRunner().invoke(main, ["node", "--config", str(write(tmp_path / "n.toml", text))])
    assert result.exit_code == 2, result.output
    assert f"Missing option '{option}'" in result.output, result.output


@pytest.mark.parametrize(
    ("ports", "names"),
    [
        (["--listen", "0.0.0.0:7000"], ["peer port 0.0.0.0:7000", "--secret-file"]),
        (["--client", "0.0.0.0:9000"], ["client port 0.0.0.0:9000", "--secret-file"]),
        (["--resp", "0.0.0.0:6379"], ["Redis port 0.0.0.0:6379", "--password-file"]),
    ],
)
def test_a_node_bound_beyond_loopback_without_proof_refuses_to_start(
    ports: list[str], names: list[str]
) -> None:
    args = ["node", "--id", "0", "--peer", "0=127.0.0.1:7000", "--machine", "rabia.kv:KVMachine"]
    result = CliRunner().invoke(main, [*args, *ports])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())  # click wraps long lines
    assert "refusing to run open" in message and "--insecure" in message, message
    assert all(name in message for name in names), message
