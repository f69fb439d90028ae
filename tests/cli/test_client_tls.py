"""``--resp-tls-*`` / ``--client-tls-*`` / ``--metrics-tls-*`` without a process: the
checks ``rabia node`` and ``rabia up`` make before starting anything, and the config-file
keys (TLS on a running cluster: tests/e2e/test_resp_tls.py, on the client port:
tests/runtime/test_client_server.py)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from rabia.cli import main
from rabia.cli.client_tls import pass_resp_tls, server_tls
from rabia.cli.node import read_config
from rabia.transport.tls import ServerTls

trustme = pytest.importorskip("trustme")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    names = {"cert": "node.pem", "key": "node.key", "ca": "ca.pem", "junk": "junk.pem"}
    paths = {role: tmp_path / name for role, name in names.items()}
    leaf.cert_chain_pems[0].write_to_path(paths["cert"])
    leaf.private_key_pem.write_to_path(paths["key"])
    ca.cert_pem.write_to_path(paths["ca"])
    paths["junk"].write_text("no certificate here\n")
    return paths


def test_server_tls_checks_the_files_go_together_and_load(files: dict[str, Path]) -> None:
    cert, key, ca, junk = files["cert"], files["key"], files["ca"], files["junk"]
    assert server_tls("resp", None, None) is None
    assert server_tls("resp", cert, key) == ServerTls(cert, key)
    assert server_tls("resp", cert, key, ca) == ServerTls(cert, key, ca)
    refused = {
        (cert, None, None): "--resp-tls-cert needs --resp-tls-key",
        (None, key, None): "--resp-tls-key needs --resp-tls-cert",
        (None, None, ca): "--resp-tls-ca needs --resp-tls-cert and --resp-tls-key",
        (junk, key, None): f"--resp-tls: cannot use the certificate {junk}",
        (cert, key, junk): f"--resp-tls: cannot use the CA certificate {junk}",
    }
    for (c, k, a), message in refused.items():
        with pytest.raises(click.UsageError) as error:
            server_tls("resp", c, k, a)
        assert message in error.value.message, error.value.message


def test_pass_resp_tls_names_the_node_options(files: dict[str, Path]) -> None:
    cert, key, ca = files["cert"], files["key"], files["ca"]
    assert pass_resp_tls(None) == []
    assert pass_resp_tls(ServerTls(cert, key)) == [
        *("--resp-tls-cert", str(cert), "--resp-tls-key", str(key)),
    ]
    assert pass_resp_tls(ServerTls(cert, key, ca))[-2:] == ["--resp-tls-ca", str(ca)]


NODE = ["node", "--id", "0", "--peer", "0=127.0.0.1:1", "--machine", "rabia.kv:KVMachine"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resp-tls-cert", "{cert}"], "--resp-tls-cert needs --resp-tls-key"),
        (["--metrics-tls-key", "{key}"], "--metrics-tls-key needs --metrics-tls-cert"),
        (["--client-tls-ca", "{ca}"], "--client-tls-ca needs --client-tls-cert and"),
        (
            ["--client-tls-cert", "{cert}", "--client-tls-key", "{key}"],
            "--client-tls-cert and --client-tls-key need --client",
        ),
        (["--resp-tls-key", "{absent}"], "'{absent}' does not exist"),
        (
            ["--resp-tls-cert", "{junk}", "--resp-tls-key", "{key}"],
            "cannot use the certificate {junk}",
        ),
    ],
)
def test_rabia_node_refuses_bad_tls_options_before_starting(
    files: dict[str, Path], tmp_path: Path, args: list[str], message: str
) -> None:
    names = {**{k: str(v) for k, v in files.items()}, "absent": str(tmp_path / "absent")}
    args = [a.format(**names) for a in args]
    result = CliRunner().invoke(main, [*NODE, "--resp", "127.0.0.1:0", *args])
    assert result.exit_code == 2, result.output
    assert message.format(**names) in " ".join(result.output.split()), result.output


def test_unreadable_files_are_refused(files: dict[str, Path]) -> None:
    files["key"].chmod(0)
    if _readable(files["key"]):
        pytest.skip("running as root: every file is readable")
    args = ["--resp-tls-cert", str(files["cert"]), "--resp-tls-key", str(files["key"])]
    result = CliRunner().invoke(main, [*NODE, "--resp", "127.0.0.1:0", *args])
    assert result.exit_code == 2 and "is not readable" in result.output, result.output


def _readable(path: Path) -> bool:
    try:
        path.read_bytes()
    except PermissionError:
        return False
    return True


def test_a_redis_port_beyond_loopback_needs_a_password_or_client_ca(
    files: dict[str, Path],
) -> None:
    tls = ["--resp-tls-cert", str(files["cert"]), "--resp-tls-key", str(files["key"])]
    result = CliRunner().invoke(main, [*NODE, "--resp", "0.0.0.0:0", *tls])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "refusing to run open: the Redis port 0.0.0.0:0" in text, text
    assert "--password-file" in text and "--resp-tls-ca FILE" in text, text


def test_config_keys_name_the_tls_files_relative_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    keys = (
        *("resp_tls_cert", "resp_tls_key", "resp_tls_ca", "metrics_tls_cert", "metrics_tls_key"),
        *("client_tls_cert", "client_tls_key", "client_tls_ca"),
    )
    path.write_text("".join(f'{key} = "tls/{key}.pem"\n' for key in keys))
    defaults, _ = read_config(path)
    assert defaults == {key: str(tmp_path / "tls" / f"{key}.pem") for key in keys}
