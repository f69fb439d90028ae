"""An engine with a fake host: ``run(body, keys, argv)`` answers the script's reply."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from rabia.kv.scripting import ScriptEngine
from tests.kv.scripting.fakes import FakeHost

Runner = Callable[..., bytes]


def runner(engine: ScriptEngine, host: FakeHost | None = None) -> Runner:
    def run(body: str | bytes, keys: tuple[str, ...] = (), argv: tuple[str, ...] = ()) -> bytes:
        code = body.encode() if isinstance(body, str) else body
        script = engine.load(code)
        if isinstance(script, bytes):
            return script
        return engine.run(
            script, [k.encode() for k in keys], [a.encode() for a in argv], host or FakeHost()
        )

    return run


@pytest.fixture(scope="module")
def engine() -> Iterator[ScriptEngine]:
    yield ScriptEngine(budget=1_000_000, memory=32 << 20)


@pytest.fixture
def run(engine: ScriptEngine) -> Runner:
    return runner(engine)
