"""``rabia sim``: a sweep's JSON summary, one seed, exit codes, forced durability."""

from __future__ import annotations

import json

from click.testing import CliRunner

from rabia.cli import main


def _json_line(output: str) -> dict[str, object]:
    last = output.strip().splitlines()[-1]
    data = json.loads(last)
    assert isinstance(data, dict)
    return data


def test_cli_sweep_json() -> None:
    result = CliRunner().invoke(
        main, ["sim", "--nodes", "3", "--seeds", "3", "--ops", "20", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = _json_line(result.stdout)
    assert data["runs"] == 3 and data["violations"] == 0 and data["failing_seeds"] == []
    for key in ("fast_path_ratio", "null_ratio", "mean_phases", "max_phases"):
        assert key in data


def test_cli_single_seed_and_failure_exit_code() -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["sim", "--seed", "4", "--ops", "20", "--faults", "none"])
    assert ok.exit_code == 0, ok.output
    assert "trace hash" in ok.stdout and "no violations" in ok.stdout
    bad = runner.invoke(
        main,
        ["sim", "--nodes", "5", "--seeds", "6", "--ops", "30", "--json", "--unsafe", "local_coin"],
    )
    assert bad.exit_code == 1, bad.output
    data = _json_line(bad.stdout)
    failing = data["failing_seeds"]
    assert isinstance(failing, list) and failing
    assert "--unsafe local_coin" in failing[0]["replay"]
    unknown = runner.invoke(main, ["sim", "--seeds", "1", "--unsafe", "nope"])
    assert unknown.exit_code == 2


def test_cli_durability_summary() -> None:
    runner = CliRunner()
    result = runner.invoke(
        main, ["sim", "--seeds", "4", "--ops", "20", "--durability", "off", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = _json_line(result.stdout)
    by_mode = data["durability"]
    assert isinstance(by_mode, dict) and list(by_mode) == ["off"]
    assert by_mode["off"]["runs"] == 4 and by_mode["off"]["restarts"] > 0
    refused = runner.invoke(main, ["sim", "--faults", "none", "--durability", "off"])
    assert refused.exit_code == 2
