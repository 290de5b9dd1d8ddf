"""Watch a running redis-server from a thread while a test attacks it: the longest wait for PONG, the peak RSS."""

from __future__ import annotations

import threading
import time
from typing import TypeVar

import redis

from testkit.redis_runtime import TEST_ADMIN, RedisProcess, client

_S = TypeVar("_S", bound="Sampler")


class Sampler:
    """Calls :meth:`sample` every ``interval`` s on the test admin's own connection while the ``with`` block runs.

    A Redis error (the server went away) ends the sampling and sets ``failed``.
    """

    def __init__(self, server: RedisProcess, interval: float = 0.05) -> None:
        self.server, self.interval, self.failed = server, interval, False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self, connection: redis.Redis) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        with client(self.server.port, username=TEST_ADMIN[0], password=TEST_ADMIN[1]) as connection:
            while not self._stop.wait(self.interval):
                try:
                    self.sample(connection)
                except redis.RedisError:
                    self.failed = True
                    return

    def __enter__(self: _S) -> _S:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=200)


class Stalls(Sampler):
    """``worst``: the longest wait for ``PONG``, in seconds (how long Redis was blocked)."""

    worst = 0.0

    def sample(self, connection: redis.Redis) -> None:
        started = time.monotonic()
        connection.ping()
        self.worst = max(self.worst, time.monotonic() - started)


class PeakRss(Sampler):
    """``peak``: the largest ``used_memory_rss`` seen, in bytes."""

    peak = 0

    def sample(self, connection: redis.Redis) -> None:
        self.peak = max(self.peak, int(connection.info("memory")["used_memory_rss"]))
