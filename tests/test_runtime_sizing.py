"""Runtime: the default sizing holds under eviction churn, under the container's real memory limit.

The load that OOM-killed the seed's sizing (256mb of ``maxmemory`` in 384Mi) within a second, every time
(docs/design.md, "Sizing under eviction churn"): keys filled to ``maxmemory`` with 1 KB strings, then 50
clients pipelining 2 KB ``XADD`` entries into 100k streams, so that eviction frees memory of one shape while
the writes need another. redis-server runs the default ``EphemeralRedis`` args (plus the test admin) in a
cgroup v1 with the container's limits (testkit/cgroup.py); ``redis-benchmark`` drives the load. The test
checks that the kernel did not kill Redis, that the cgroup's peak stayed under the limit and that eviction,
not the kernel, carried the pressure. ``-s`` prints the peak as a multiple of ``maxmemory``
(benchmarks/capacity.py measures the same at the seed's 384Mi, where it is killed).
"""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest
from _support import require_tool
from test_runtime_hostile import serve

from agentsmith.core.quantity import parse_quantity, parse_redis_memory
from testkit import cgroup
from testkit.redis_runtime import LOOPBACK, TEST_ADMIN, RedisProcess, client, synth_container
from testkit.sampler import PeakRss

pytestmark = pytest.mark.runtime

MB = 1024 * 1024


def benchmark(server: RedisProcess, *args: str) -> None:
    """``redis-benchmark`` as the test admin against ``server``, quietly; fails on a non-zero exit."""
    tool = require_tool("redis-benchmark", "apt-get install redis-tools (Debian's redis-server brings it)")
    command = [tool, "-h", LOOPBACK, "-p", str(server.port), "--user", TEST_ADMIN[0], "-a", TEST_ADMIN[1], "-q"]
    result = subprocess.run([*command, *args], capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:  # the server may have been killed: let the caller's checks say so
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=5)
        assert server.process.poll() is not None, result.stderr[-2000:]


def test_eviction_churn_at_the_default_sizing_is_not_oom_killed(tmp_path: Path) -> None:
    cgroup.require()
    container = synth_container()
    limits = container["resources"]["limits"]
    memory, cpu = int(parse_quantity(limits["memory"])), int(parse_quantity(limits["cpu"]) * 1000)
    args = container["args"]
    maxmemory = parse_redis_memory(args[args.index("--maxmemory") + 1])
    with cgroup.limited(memory, cpu) as limit, serve(container, tmp_path, prefix=limit.prefix) as server:
        with PeakRss(server) as rss:
            # GIVEN keys at maxmemory: 1 KB strings, more than fit (eviction already running)
            benchmark(server, "-c", "10", "-P", "16", "-n", "400000", "-r", "100000000", "-d", "1024", "-t", "set")
            # WHEN 50 clients pipeline 2 KB stream entries into 100k streams
            benchmark(server, "-c", "50", "-P", "16", "-n", "600000", "-r", "100000",
                      "XADD", "stream:__rand_int__", "*", "f", "v" * 2048)  # fmt: skip
        alive = server.process.poll() is None
        evicted = -1
        if alive:
            with client(server.port, username=TEST_ADMIN[0], password=TEST_ADMIN[1]) as connection:
                evicted = int(connection.info("stats")["evicted_keys"])
        print(
            f"\n[eviction churn, {limits['memory']}, maxmemory {maxmemory // MB} MiB] peak cgroup "
            f"{limit.peak() / MB:.1f} MiB ({limit.peak() / maxmemory:.3f} x maxmemory), "
            f"peak RSS {rss.peak / MB:.1f} MiB, oom_kill {limit.oom_kills()}, evicted {evicted}"
        )
        # THEN Redis is alive, never reached the limit, and eviction carried the pressure
        assert alive, server.log_tail()
        assert limit.oom_kills() == 0
        assert limit.peak() < limit.limit_bytes
        assert evicted > 0
