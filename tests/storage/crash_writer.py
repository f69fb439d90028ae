"""Child process for the kill tests: append steps forever, report each synced one.

    python crash_writer.py KIND DURABILITY PATH SYNC_EVERY

Appends ``step(i)`` for i = 0, 1, ... with ``sync`` on every SYNC_EVERY-th append and
prints ``i`` (flushed) after each append that must be durable (all of them in ``always``,
the synced ones otherwise) has returned; the parent SIGKILLs it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.storage.helpers import open_store, step


def main() -> None:
    kind, durability, path, every = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    store = open_store(kind, path, durability)  # type: ignore[arg-type]
    store.load()
    i = 0
    while True:
        sync = (i + 1) % every == 0
        store.append(step(i), sync)
        if sync or durability == "always":
            print(i, flush=True)
        i += 1


if __name__ == "__main__":
    main()
