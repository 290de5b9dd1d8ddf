"""Run the eviction lifecycle of ``testkit/job_lifecycle.py`` outside CI, at any size (issue 14).

Usage (from the project folder)::

    .venv/bin/python benchmarks/eviction_lifecycle.py                       # the seed's 256mb
    .venv/bin/python benchmarks/eviction_lifecycle.py --idle-seconds 130 \\
        --maxmemory 8mb --value-kib 8 --policies allkeys-lfu allkeys-lru   # LFU decay

``tests/test_runtime_eviction.py`` runs the same lifecycle at 8mb in CI; this
script measures what CI cannot afford: the seed's 256mb, or jobs left idle for
minutes (LFU counters decay once per idle minute). Each policy gets the args of
a synthesised ``EphemeralRedis(maxmemory=..., maxmemory_policy=...)`` on its
own redis-server, run as the invoking user on a free loopback port. Prints the
same Markdown table as the tests.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))  # the checkout: agentsmith, testkit

import cdk8s  # noqa: E402

from agentsmith import EphemeralRedis, Resources  # noqa: E402
from agentsmith.core.quantity import parse_redis_memory  # noqa: E402
from testkit.job_lifecycle import (  # noqa: E402
    FINISHED_ONLY_TTLS,
    SEED_TTLS,
    SEED_TTLS_OTHER_DATA_TOO,
    Outcome,
    TtlConvention,
    Workload,
    run_lifecycle,
    table,
)
from testkit.manifests import containers  # noqa: E402
from testkit.redis_runtime import make_workdir, parse_redis_args, start_redis  # noqa: E402

#: The TTL convention each policy is measured with (as in the tests).
CONVENTIONS: dict[str, TtlConvention] = {
    "allkeys-lru": SEED_TTLS,
    "allkeys-lfu": SEED_TTLS,
    "allkeys-random": SEED_TTLS,
    "volatile-lru": FINISHED_ONLY_TTLS,
    "volatile-ttl": FINISHED_ONLY_TTLS,
    "volatile-lfu": SEED_TTLS_OTHER_DATA_TOO,
    "volatile-random": SEED_TTLS_OTHER_DATA_TOO,
    "noeviction": SEED_TTLS,
}


def container_args(maxmemory: str, policy: str) -> list[str]:
    """The Redis container args of a synthesised EphemeralRedis; the memory limit keeps the 3/4 headroom."""
    mebibytes = math.ceil(parse_redis_memory(maxmemory) * 4 / 3 / 2**20) + 1
    limit = f"{mebibytes}Mi"
    resources = Resources() if maxmemory == "256mb" else Resources(memory_request=limit, memory_limit=limit)
    app = cdk8s.App(outdir=tempfile.mkdtemp(prefix="eviction-bench-"))
    chart = cdk8s.Chart(app, "bench", namespace="agentsmith", disable_resource_name_hashes=True)
    EphemeralRedis(chart, "redis", maxmemory=maxmemory, maxmemory_policy=policy, resources=resources)
    (deployment,) = [o for o in cdk8s.Testing.synth(chart) if o["kind"] == "Deployment"]
    args: list[str] = containers(deployment)[0]["args"]
    shutil.rmtree(app.outdir, ignore_errors=True)
    return args


def run(policy: str, args: list[str], workload: Workload) -> Outcome:
    workdir = make_workdir(None)
    try:
        server = start_redis("redis-server", args, user_prefix=[], workdir=workdir, log_path=workdir / "redis.log")
        try:
            maxmemory = parse_redis_memory(parse_redis_args(args)["maxmemory"])
            return run_lifecycle(server.port, maxmemory, policy, CONVENTIONS[policy], workload)
        finally:
            server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--maxmemory", default="256mb", help="Redis size syntax (default: the seed's 256mb)")
    parser.add_argument("--value-kib", type=int, default=64, help="size of each data value (default 64)")
    parser.add_argument("--idle-seconds", type=float, default=1.1, help="jobs' idle time before the pressure")
    parser.add_argument(
        "--policies", nargs="+", default=["allkeys-lru", "allkeys-lfu", "noeviction", "volatile-lru"],
        choices=sorted(CONVENTIONS),
    )  # fmt: skip
    options = parser.parse_args()
    workload = Workload(value_bytes=options.value_kib * 1024, jobs_idle_seconds=options.idle_seconds)
    # jsii is not thread-safe: synthesise first, then run the servers concurrently.
    args = {policy: container_args(options.maxmemory, policy) for policy in options.policies}
    with ThreadPoolExecutor(max_workers=len(args)) as pool:
        outcomes = list(pool.map(lambda policy: run(policy, args[policy], workload), args))
    print(f"maxmemory {options.maxmemory}, {options.value_kib} KiB values, jobs idle {options.idle_seconds} s")
    print(table(outcomes))


if __name__ == "__main__":
    main()
