"""Why 'maxmemory' has a floor (MIN_MAXMEMORY, 8mb): a real redis-server below it refuses writes.

An empty Redis 7 uses about 0.9 MB and each connected redis-py client about 38 KB;
eviction cannot free that overhead, so once it exceeds ``maxmemory`` every
write fails with OOM. Measured in full by ``benchmarks/redis_maxmemory_floor.py``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cdk8s
import pytest
import redis
from _support import in_memory_app, require_redis_server
from redis.typing import EncodableT, FieldT

from agentsmith import EphemeralRedis
from agentsmith.core.redis_props import MIN_MAXMEMORY, MIN_MAXMEMORY_TEXT
from testkit.manifests import containers
from testkit.redis_runtime import RedisProcess, make_workdir, parse_redis_args, start_redis

pytestmark = pytest.mark.runtime
CLIENTS = 100
JOB_ENTRY: dict[FieldT, EncodableT] = {"payload": "x" * 100}


def container_args(maxmemory: str) -> list[str]:
    chart = cdk8s.Chart(in_memory_app(), "test", namespace="agentsmith")
    redis_construct = EphemeralRedis(chart, "redis")
    (deployment,) = (o for o in cdk8s.Testing.synth(chart) if o["kind"] == "Deployment")
    args: list[str] = containers(deployment)[0]["args"]
    assert parse_redis_args(args)["maxmemory"] == redis_construct.maxmemory
    return [*args, "--maxmemory", maxmemory]  # the last --maxmemory wins, as in redis.conf


@contextmanager
def running(maxmemory: str, tmp_path: Path) -> Iterator[RedisProcess]:
    redis_server = require_redis_server("redis:7-alpine")
    workdir = make_workdir(None)
    server = start_redis(
        redis_server, container_args(maxmemory), user_prefix=[], workdir=workdir, log_path=tmp_path / "redis.log"
    )
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def writes_with_clients(server: RedisProcess) -> int:
    """XADD 50 job entries while CLIENTS other connections are open; returns how many succeeded."""
    idle = [server.client() for _ in range(CLIENTS)]
    try:
        for connection in idle:
            connection.ping()
        writer = server.client()
        succeeded = 0
        for _ in range(50):
            try:
                writer.xadd("jobs", JOB_ENTRY)
                succeeded += 1
            except redis.exceptions.OutOfMemoryError:
                pass
        return succeeded
    finally:
        for connection in idle:
            connection.close()


def test_floor_is_8mb() -> None:
    assert (MIN_MAXMEMORY, MIN_MAXMEMORY_TEXT) == (8 * 2**20, "8mb")


def test_at_the_floor_redis_takes_writes_with_100_clients(tmp_path: Path) -> None:
    with running(MIN_MAXMEMORY_TEXT, tmp_path) as server:
        assert writes_with_clients(server) == 50


def test_half_the_floor_refuses_every_write_with_100_clients(tmp_path: Path) -> None:
    # 4mb: what the library now refuses
    with running("4mb", tmp_path) as server:
        assert writes_with_clients(server) == 0
