"""An RQ burst worker for the suites: ``python -m tests.e2e.apps.rq_worker PORT QUEUE
[--scheduler]`` runs every job of QUEUE at the node on PORT, then exits; as the ACL user
and password of ``$RQ_USER`` and ``$RQ_PASSWORD`` when set.

redis-py 8.2's ``PubSubWorkerThread.stop()`` waits for its thread without a timeout, and
RQ polls its command channel in that thread with ``get_message(timeout=60)``. When the
thread reads the UNSUBSCRIBE confirmation before RQ clears the running flag (a race: 1
run in 30 against redis-server 7.0.15 too), it goes back to waiting for up to 60 s for a
subscription that never comes, and the burst worker hangs at exit. This worker polls its
channel every 0.2 s instead, which bounds that wait; nothing else changes.
"""

from __future__ import annotations

import os
import sys

import redis
from rq import Queue, Worker


class BurstWorker(Worker):
    """RQ's worker, its command channel polled every 0.2 s (see the module's docstring)."""

    def subscribe(self) -> None:
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=0.2, daemon=True, exception_handler=self._pubsub_exception_handler
        )


def main(port: int, queue: str, scheduler: bool) -> None:
    user, password = os.environ.get("RQ_USER"), os.environ.get("RQ_PASSWORD")
    connection = redis.Redis(port=port, username=user, password=password)
    print("connected as", connection.acl_whoami(), flush=True)
    worker = BurstWorker([Queue(queue, connection=connection)], connection=connection)
    worker.work(burst=True, with_scheduler=scheduler)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], "--scheduler" in sys.argv[3:])
