"""The marks a store leaves for its next run, and what they say (ADR 0010)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rabia.storage.runs import BOOT_ID_ENV, current_boot_id, kept_everything, marks


@pytest.fixture(autouse=True)
def boot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BOOT_ID_ENV, "boot-now")


def test_marks_say_mode_boot_and_not_yet_clean() -> None:
    assert current_boot_id() == "boot-now"
    assert marks("off") == {"durability": "off", "boot": "boot-now", "clean": "0"}


@pytest.mark.parametrize(
    ("noted", "kept"),
    [
        ({"durability": "always", "boot": "boot-then", "clean": "0"}, True),  # synced all
        ({"durability": "off", "boot": "boot-then", "clean": "1"}, True),  # closed cleanly
        ({"durability": "batch", "boot": "boot-now", "clean": "0"}, True),  # process crash
        ({"durability": "batch", "boot": "boot-then", "clean": "0"}, False),  # lost power
        ({"durability": "off", "boot": "", "clean": "0"}, False),  # boot unknown
    ],
)
def test_what_the_previous_run_kept(noted: dict[str, str], kept: bool) -> None:
    for mode in ("always", "batch", "off"):  # the mode of this run does not matter
        assert kept_everything(noted, mode) is kept


def test_a_store_from_before_the_marks_is_judged_by_its_mode() -> None:
    assert kept_everything({}, "always")
    assert not kept_everything({}, "batch")


def test_no_boot_id_means_no_trust_in_a_crashed_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BOOT_ID_ENV, "")
    monkeypatch.setattr("rabia.storage.runs.BOOT_ID_PATH", Path("/nonexistent"))
    assert current_boot_id() == ""
    assert not kept_everything({"durability": "off", "boot": "", "clean": "0"}, "off")
