"""mypy --strict over the examples, and proof that proxies keep the methods' signatures."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.e2e.cluster import ROOT

EXAMPLES = ROOT / "examples"
WRONG_CALLS = """
from rabia.client import Client
from rabia.objects import local, remote
from rabia.objects.batteries import ReplDict
from rabia.runtime import Node
from banking import Bank
from counter import Counter


async def misuse(client: Client, node: Node) -> None:
    bank = remote(Bank, client)
    await bank.transfer("a", "b", "thirty")
    total: str = await bank.balance("alice")
    counter = local(Counter, node)
    await counter.incr(by="1")
    prices = remote(ReplDict[float], client)
    price: float | None = await prices.get("tea")
    await prices.set("tea", "dear")
"""


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("typecheck")
    wrong = folder / "wrong_calls.py"
    wrong.write_text(WRONG_CALLS)
    env = dict(os.environ, MYPYPATH=os.pathsep.join([str(ROOT / "src"), str(EXAMPLES)]))
    files = [EXAMPLES / "banking.py", EXAMPLES / "counter.py", EXAMPLES / "replicated.py", wrong]
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(folder / "cache")]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        env=env,
        check=False,
    )
    return done.stdout + done.stderr


def test_the_examples_pass_mypy_strict(mypy_output: str) -> None:
    for name in ("banking.py", "counter.py", "replicated.py"):
        assert f"{name}:" not in mypy_output, mypy_output


def test_wrong_calls_through_proxies_are_rejected(mypy_output: str) -> None:
    lines = [line for line in mypy_output.splitlines() if "wrong_calls.py" in line]
    wrong = "wrong_calls.py"
    assert any(f'{wrong}:12: error: Argument 3 to "transfer" of "Bank"' in x for x in lines)
    assert any(f"{wrong}:13: error: Incompatible types in assignment" in x for x in lines)
    assert any(f'{wrong}:15: error: Argument "by" to "incr" of "Counter"' in x for x in lines)
    assert any(f'{wrong}:18: error: Argument 2 to "set" of "ReplDict"' in x for x in lines)
    assert len(lines) == 4, mypy_output
