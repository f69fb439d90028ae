"""A run's outcome and its replay command (``rabia.testing.sim_result``)."""

from __future__ import annotations

import dataclasses

from rabia.core.config import UnsafeSwitches
from rabia.testing.sim_result import UNSAFE_NAMES, SimResult, replay_command


def _result(**changes: object) -> SimResult:
    base = SimResult(
        seed=1,
        nodes=3,
        ops=10,
        faults="none",
        violations=[],
        slots=4,
        fast_path=4,
        null_slots=0,
        phases_mean=1.0,
        phases_max=1,
        phases_total=4,
        phase_slots=4,
        virtual_us=1_000,
        trace_hash="ab",
        replay_command="rabia sim",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_ok_means_no_violation() -> None:
    assert _result().ok
    assert not _result(violations=["agreement: slot 3"]).ok


def test_cpu_time_is_not_part_of_the_outcome() -> None:
    assert _result(cpu_seconds=0.5) == _result(cpu_seconds=2.0)
    assert _result(trace_hash="cd") != _result()


def test_replay_command_names_unsafe_switches() -> None:
    cmd = replay_command(9, 5, 60, "swarm", UnsafeSwitches(local_coin=True))
    assert cmd == "rabia sim --nodes 5 --seed 9 --ops 60 --faults swarm --unsafe local_coin"


def test_replay_command_forces_durability_and_lists_switches_in_order() -> None:
    unsafe = UnsafeSwitches(forget_sent=True, round1_fast_path=True)
    assert replay_command(2, 3, 60, "swarm", unsafe, "off") == (
        "rabia sim --nodes 3 --seed 2 --ops 60 --faults swarm --durability off"
        " --unsafe round1_fast_path --unsafe forget_sent"
    )
    assert replay_command(2, 3, 0, "none") == "rabia sim --nodes 3 --seed 2 --ops 0 --faults none"


def test_unsafe_names_are_the_switches() -> None:
    assert tuple(f.name for f in dataclasses.fields(UnsafeSwitches)) == UNSAFE_NAMES
    assert "local_coin" in UNSAFE_NAMES
