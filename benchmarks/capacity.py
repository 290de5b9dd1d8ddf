"""Capacity of the Redis container at its limits: jobs per maxmemory, ops/s and p99, the ACL guard's cost, churn.

Usage (from the project folder, as root: it creates cgroups)::

    .venv/bin/python benchmarks/capacity.py                  # all four sections, several minutes
    .venv/bin/python benchmarks/capacity.py --quick          # fewer and shorter rounds, a smaller fill, less churn
    .venv/bin/python benchmarks/capacity.py --churn          # section 4 (and the sizing table) only
    .venv/bin/python benchmarks/capacity.py --extra '--maxmemory 200mb'   # args appended to every server

Every redis-server runs as the container's ``runAsUser`` (``testkit.redis_runtime.run_container``)
in a cgroup v1 of its own (``testkit.cgroup.limited``) with the limits of the synthesised
container, ``resources.limits`` (by default 512Mi memory and no swap, 500m CPU: quota 50 ms
per 100 ms); the script stops with a clear message when it cannot create one. The args are those
of a synthesised default ``EphemeralRedis`` (the *guarded* server: the project's
options and the default user's ACL) and the seed's bare ``--maxmemory``,
``--maxmemory-policy``, ``--save ""`` (the *bare* server). It prints, from one run:

1. jobs in flight per ``maxmemory``: jobs (a stream ``job:<id>`` with ``--entries``
   entries of ``--entry-bytes``, a consumer group and ``--pending`` entries read and not
   acknowledged) written to the guarded server until eviction starts; jobs held,
   bytes per job, and the server's peak memory against the cgroup limit;
2. ops/s and p99 latency on the guarded server at the container's CPU limit: PING and XADD
   (``redis-benchmark``, 50 connections) and a job sequence (XGROUP CREATE MKSTREAM,
   the entries' XADDs in one pipeline, XREADGROUP COUNT 10, XACK, DEL; redis-py, one
   connection per worker process), and how often the server was CPU-throttled;
3. the ACL guard's cost: the same measurements on both servers, alternating round by
   round, as guarded / bare ratios of the medians;
4. eviction churn at the container's limit (``--churn``): the guarded args (plus the test
   admin user, so that ``redis-benchmark`` logs in and can run CONFIG GET) filled to
   ``maxmemory`` with 1 KB strings (``redis-benchmark -c 10 -P 16 -n 400000 -r 100000000
   -d 1024 -t set``), then 50 pipelining clients adding 2 KB stream entries to 100000
   streams (``XADD stream:__rand_int__ * f <2048 B>``, 2000000 of them, 500000 with
   ``--quick``), once in a cgroup with the container's memory limit and once with the
   seed's 384Mi: the cgroup's peak against ``maxmemory``, whether the kernel OOM-killed
   Redis (reported, not an error), the keys evicted and the XADD rate; INFO is polled
   every 50 ms on another connection for the peak RSS. Then a sizing table: for
   ``maxmemory`` 128mb to 1gb, the memory limit the library's formula needs
   (``agentsmith.core.limits``: ``maxmemory x (1 + FRAGMENTATION_SHARE)`` plus the least
   client budget, two ``max_value_size``), the client budget at that limit, and the
   jobs of section 1's shape that fit in ``maxmemory``.

Figures only: nothing is asserted on time. Every server is stopped by PID and the
cgroups removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import math
import multiprocessing
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))  # the checkout: agentsmith, testkit
_PROJECT_NODE = PROJECT_DIR / "node_modules" / ".bin" / "node"
if _PROJECT_NODE.is_file():  # jsii runs on the project's Node.js, as in the tests
    os.environ.setdefault("JSII_NODE", str(_PROJECT_NODE))

import redis  # noqa: E402

from agentsmith.core.limits import (  # noqa: E402
    FRAGMENTATION_SHARE,
    PROTO_MAX_BULK_LEN,
    client_budget,
    least_client_budget,
)
from agentsmith.core.quantity import parse_quantity, parse_redis_memory  # noqa: E402
from agentsmith.core.seed import MEMORY_LIMIT as SEED_MEMORY_LIMIT  # noqa: E402
from testkit import cgroup  # noqa: E402
from testkit.redis_runtime import (  # noqa: E402
    LOOPBACK,
    TEST_ADMIN,
    TEST_ADMIN_ARGS,
    RedisProcess,
    client,
    parse_redis_args,
    run_container,
    synth_container,
)

GROUP = "agents"
MIB = 2**20


# --------------------------------------------------------------------------- the container's limits


def memory_limit(quantity: str) -> int:
    """A Kubernetes memory quantity (``512Mi``) in bytes."""
    return int(parse_quantity(quantity))


def cpu_millis(quantity: str) -> int:
    """A Kubernetes CPU quantity (``500m``, ``1``) in millicores."""
    return int(parse_quantity(quantity) * 1000)


@contextlib.contextmanager
def limited_server(
    redis_server: str,
    container: dict[str, Any],
    args: Sequence[str],
    memory_bytes: int,
    millis: int,
    log_path: Path,
    *,
    admin: bool = False,
) -> Iterator[tuple[RedisProcess, cgroup.Limit]]:
    """redis-server ``args`` as the container runs them (its ``runAsUser`` when root), in a fresh cgroup.

    ``admin``: the test admin user appended to ``args``, and the server's clients log in as it.
    """
    login: dict[str, Any] = {}
    if admin:
        login = {"extra_args": TEST_ADMIN_ARGS, "username": TEST_ADMIN[0], "password": TEST_ADMIN[1]}
    with (
        cgroup.limited(memory_bytes, millis) as limit,
        run_container(
            {**container, "args": list(args)},
            {},
            log_path=log_path,
            redis_server=redis_server,
            prefix=limit.prefix,
            **login,
        ) as (server, _),
    ):
        yield server, limit


@dataclass(frozen=True)
class ServerRun:
    """How every server of this run starts: which redis-server, the container and its limits, where logs go."""

    redis_server: str
    container: dict[str, Any]
    memory_bytes: int
    millis: int
    logs: Path

    def limited(
        self, args: Sequence[str], name: str, memory_bytes: int | None = None, *, admin: bool = False
    ) -> contextlib.AbstractContextManager[tuple[RedisProcess, cgroup.Limit]]:
        """:func:`limited_server` with these limits (or ``memory_bytes``), logging to ``<logs>/<name>.log``."""
        memory = self.memory_bytes if memory_bytes is None else memory_bytes
        log = self.logs / f"{name}.log"
        return limited_server(self.redis_server, self.container, args, memory, self.millis, log, admin=admin)


# --------------------------------------------------------------------------- (i) jobs per maxmemory


@dataclass(frozen=True)
class JobShape:
    entries: int
    entry_bytes: int
    pending: int


@dataclass
class FillResult:
    jobs_held: int = 0
    bytes_per_job: float = 0.0
    used_memory: int = 0
    peak_rss: int = 0
    peak_cgroup: int = 0
    fragmentation: float = 0.0
    allocator_frag: float = 0.0
    oom_killed: bool = False
    seconds: float = 0.0


def write_job(pipe: redis.client.Pipeline, key: str, shape: JobShape, value: bytes) -> None:
    for _ in range(shape.entries):
        pipe.xadd(key, {"event": value})
    pipe.xgroup_create(key, GROUP, id="0")
    if shape.pending:
        pipe.xreadgroup(GROUP, "agent", {key: ">"}, count=shape.pending)


def fill_jobs(server: RedisProcess, limit: cgroup.Limit, shape: JobShape, timeout: float) -> FillResult:
    """Write jobs until Redis evicts its first key; the jobs then held and what they cost."""
    result = FillResult()
    value = b"x" * shape.entry_bytes
    start = time.monotonic()
    kills_before = limit.oom_kills()
    with server.client(decode_responses=False) as connection:
        before = int(connection.info("memory")["used_memory"])
        next_id = 0
        try:
            while time.monotonic() - start < timeout:
                memory = connection.info("memory")
                result.peak_rss = max(result.peak_rss, int(memory["used_memory_rss"]))
                left = parse_redis_memory(str(memory["maxmemory"])) - int(memory["used_memory"])
                job_bytes = result.bytes_per_job or shape.entries * (shape.entry_bytes + 64)
                batch = max(1, min(200, int(left / job_bytes / 2)))  # smaller batches near maxmemory
                pipe = connection.pipeline(transaction=False)
                for _ in range(batch):
                    next_id += 1
                    write_job(pipe, f"job:{next_id}", shape, value)
                pipe.execute()
                stats = connection.info("stats")
                jobs = int(connection.dbsize())
                used = int(connection.info("memory")["used_memory"])
                result.bytes_per_job = (used - before) / max(jobs, 1)
                if int(stats["evicted_keys"]) > 0:
                    result.jobs_held, result.used_memory = jobs, used
                    break
            memory = connection.info("memory")
            result.peak_rss = max(result.peak_rss, int(memory["used_memory_rss"]))
            result.fragmentation = float(memory["mem_fragmentation_ratio"])
            result.allocator_frag = float(memory["allocator_frag_ratio"])
        except (redis.ConnectionError, redis.TimeoutError):
            server.process.wait(timeout=10)
            result.oom_killed = limit.oom_kills() > kills_before
            if not result.oom_killed:
                raise
    result.peak_cgroup = limit.peak()
    result.seconds = time.monotonic() - start
    return result


# --------------------------------------------------------------------------- (ii) ops/s and p99


@dataclass(frozen=True)
class Options:
    rounds: int
    requests: int
    seconds: float
    clients: int
    workers: int
    entries: int
    entry_bytes: int
    pending: int
    fill_timeout: float


@dataclass(frozen=True)
class Measure:
    ops_per_s: float
    p99_ms: float
    throttled: float  # share of CFS periods in which the server was throttled


def benchmark_argv(port: int, args: Sequence[str], login: Sequence[str] = ()) -> list[str]:
    """``redis-benchmark -h 127.0.0.1 -p <port> <login> --csv <args>``."""
    tool = shutil.which("redis-benchmark") or "redis-benchmark"
    return [tool, "-h", LOOPBACK, "-p", str(port), *login, "--csv", *args]


def csv_rows(output: str) -> list[dict[str, str]]:
    """The result rows of ``redis-benchmark --csv``."""
    return [row for row in csv.DictReader(io.StringIO(output)) if row.get("rps")]


def redis_benchmark(port: int, command: Sequence[str], requests: int, clients: int) -> tuple[float, float]:
    """(requests per second, p99 ms) from ``redis-benchmark --csv``."""
    argv = benchmark_argv(port, ["-c", str(clients), "-n", str(requests), *command])
    output = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=300).stdout
    rows = csv_rows(output)
    if not rows:
        raise RuntimeError(f"no result from {shlex.join(argv[:9])} ...: {output[-300:]!r}")
    return float(rows[-1]["rps"]), float(rows[-1]["p99_latency_ms"])


def _job_worker(
    port: int, worker: int, shape: JobShape, seconds: float, queue: multiprocessing.Queue[list[float]]
) -> None:
    """Run job sequences for ``seconds``; put each one's latency (s) on ``queue``."""
    value = b"x" * shape.entry_bytes
    latencies: list[float] = []
    with client(port, decode_responses=False) as connection:
        deadline = time.monotonic() + seconds
        job = 0
        while time.monotonic() < deadline:
            job += 1
            key = f"bench:{worker}:{job}"
            begin = time.perf_counter()
            connection.xgroup_create(key, GROUP, id="$", mkstream=True)
            pipe = connection.pipeline(transaction=False)
            for _ in range(shape.entries):
                pipe.xadd(key, {"event": value})
            pipe.execute()
            reply = connection.xreadgroup(GROUP, "agent", {key: ">"}, count=10)
            ids = [entry_id for _, entries in reply for entry_id, _ in entries]
            if ids:
                connection.xack(key, GROUP, *ids)
            connection.delete(key)
            latencies.append(time.perf_counter() - begin)
    queue.put(latencies)


def job_sequences(port: int, shape: JobShape, seconds: float, workers: int) -> tuple[float, float]:
    """(job sequences per second, p99 ms) with ``workers`` processes, one connection each."""
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[list[float]] = context.Queue()
    processes = [
        context.Process(target=_job_worker, args=(port, worker, shape, seconds, queue)) for worker in range(workers)
    ]
    start = time.monotonic()
    for process in processes:
        process.start()
    latencies = [latency for _ in processes for latency in queue.get(timeout=seconds + 60)]
    for process in processes:
        process.join(timeout=30)
    elapsed = time.monotonic() - start
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else float("nan")
    return len(latencies) / elapsed, p99 * 1000


@dataclass
class Series:
    ops: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    throttled: list[float] = field(default_factory=list)

    def add(self, measure: Measure) -> None:
        self.ops.append(measure.ops_per_s)
        self.p99.append(measure.p99_ms)
        self.throttled.append(measure.throttled)


def measure_once(name: str, port: int, limit: cgroup.Limit, options: Options) -> Measure:
    before = cgroup.cpu_stat(limit)
    value = "x" * options.entry_bytes
    if name == "PING":
        ops, p99 = redis_benchmark(port, ["PING"], options.requests, options.clients)
    elif name == "XADD":
        # MAXLEN ~ keeps the streams small: the measurement never reaches maxmemory.
        command = ["XADD", "bench:__rand_int__", "MAXLEN", "~", "100", "*", "event", value]
        ops, p99 = redis_benchmark(port, ["-r", "100", *command], options.requests, options.clients)
    else:
        shape = JobShape(options.entries, options.entry_bytes, 10)
        ops, p99 = job_sequences(port, shape, options.seconds, options.workers)
    after = cgroup.cpu_stat(limit)
    periods = max(1, after["nr_periods"] - before["nr_periods"])
    return Measure(ops, p99, (after["nr_throttled"] - before["nr_throttled"]) / periods)


# --------------------------------------------------------------------------- (iv) eviction churn

#: Fill to maxmemory (and past it: eviction) with 1 KB strings.
CHURN_FILL = ("-c", "10", "-P", "16", "-n", "400000", "-r", "100000000", "-d", "1024", "-t", "set")
CHURN_ENTRY_BYTES = 2048
#: XADDs of the churn: 2 KB entries to 100000 streams from 50 pipelining clients.
CHURN_XADDS = 2_000_000
CHURN_XADDS_QUICK = 500_000
POLL_SECONDS = 0.05
#: ``maxmemory`` values of the sizing table.
SIZING_MAXMEMORY = ("128mb", "256mb", "512mb", "1gb")
#: How long a server killed under redis-benchmark may take to be seen exiting after it.
SERVER_EXIT_SECONDS = 2.0
#: The longest one redis-benchmark run may take.
BENCHMARK_TIMEOUT = 900.0


def churn_xadd(requests: int) -> list[str]:
    value = "x" * CHURN_ENTRY_BYTES
    return ["-c", "50", "-P", "16", "-n", str(requests), "-r", "100000", "XADD", "stream:__rand_int__", "*", "f", value]


class InfoPoller:
    """INFO memory and stats every :data:`POLL_SECONDS` on a connection of its own, until stopped or the server is
    gone: the peak RSS and the last ``evicted_keys``. The connection is exempt from client eviction."""

    def __init__(self, server: RedisProcess) -> None:
        self.server = server
        self.peak_rss = 0
        self.evicted = 0
        self.polls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with self.server.client() as connection:
                connection.client_no_evict("ON")
                while True:
                    info = connection.info("memory", "stats")
                    self.peak_rss = max(self.peak_rss, int(info["used_memory_rss"]))
                    self.evicted = int(info["evicted_keys"])
                    self.polls += 1
                    if self._stop.wait(POLL_SECONDS):
                        return
        except (redis.ConnectionError, redis.TimeoutError):
            return  # the server is gone (OOM-killed): the last poll stands

    def __enter__(self) -> InfoPoller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


def run_benchmark(argv: Sequence[str], server: RedisProcess) -> str | None:
    """``argv``'s output; None when the server exited meanwhile (redis-benchmark is then stopped by its PID).

    Raises:
        BenchmarkFailed: redis-benchmark exited non-zero while the server kept running.
    """
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as tool:
        deadline = time.monotonic() + BENCHMARK_TIMEOUT
        while True:
            try:
                output, errors = tool.communicate(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if server.process.poll() is not None:
                    tool.kill()
                    tool.communicate()
                    return None
                if time.monotonic() > deadline:
                    tool.kill()
                    tool.communicate()
                    raise RuntimeError(f"{shlex.join(argv[:12])} ... took over {BENCHMARK_TIMEOUT:.0f} s") from None
    if tool.returncode != 0:
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=SERVER_EXIT_SECONDS)  # a killed server's clients may see it first
            return None
        raise BenchmarkFailed(f"redis-benchmark exited {tool.returncode}: {errors.strip()[-200:]}")
    return output


class BenchmarkFailed(RuntimeError):
    """redis-benchmark failed while the server kept running."""


@dataclass
class ChurnResult:
    limit: str
    maxmemory: int
    peak_cgroup: int = 0
    peak_rss: int = 0
    oom_killed: bool = False
    died: str = ""  # in which phase the server exited
    failed: str = ""  # redis-benchmark's error while the server kept running
    evicted: int = 0
    xadd_ops: float | None = None
    seconds: float = 0.0


def churn(run: ServerRun, args: Sequence[str], limit_text: str, name: str, xadds: int) -> ChurnResult:
    """The churn load on ``args`` plus the test admin, in a cgroup of ``limit_text`` and the container's CPU."""
    result = ChurnResult(limit_text, parse_redis_memory(parse_redis_args(args)["maxmemory"]))
    login = ["--user", TEST_ADMIN[0], "-a", TEST_ADMIN[1]]
    start = time.monotonic()
    with run.limited(args, name, memory_limit(limit_text), admin=True) as (server, limit):
        with InfoPoller(server) as poller:
            try:
                if run_benchmark(benchmark_argv(server.port, CHURN_FILL, login), server) is None:
                    result.died = "during the fill"
                else:
                    xadd_start = time.monotonic()
                    output = run_benchmark(benchmark_argv(server.port, churn_xadd(xadds), login), server)
                    if output is None:
                        result.died = f"after {time.monotonic() - xadd_start:.1f} s of XADD"
                    else:
                        rows = csv_rows(output)
                        result.xadd_ops = float(rows[-1]["rps"]) if rows else None
            except BenchmarkFailed as error:
                result.failed = str(error)
        result.peak_rss, result.evicted = poller.peak_rss, poller.evicted
        if server.process.poll() is None:
            with server.client() as connection:
                result.evicted = int(connection.info("stats")["evicted_keys"])
        result.peak_cgroup = limit.peak()
        result.oom_killed = limit.oom_kills() > 0
    result.seconds = time.monotonic() - start
    return result


def needed_limit(maxmemory_bytes: int) -> int:
    """The memory limit the library needs by default, in whole MiB: ``maxmemory x (1 + FRAGMENTATION_SHARE)``
    plus the least client budget (twice the default ``max_value_size``)."""
    need = maxmemory_bytes * (1 + FRAGMENTATION_SHARE) + least_client_budget(PROTO_MAX_BULK_LEN)
    return math.ceil(need / MIB) * MIB


# --------------------------------------------------------------------------- output


def mib(value: float) -> str:
    return f"{value / MIB:.1f} MiB"


def print_section(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A blank line, ``## title``, a blank line and a Markdown table."""
    print(f"\n## {title}\n")
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    print("| " + " | ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for row in rows:
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 short rounds, a smaller fill, a shorter churn")
    parser.add_argument("--churn", action="store_true", help="only (iv), eviction churn, and the sizing table")
    parser.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    parser.add_argument("--extra", default="", help="redis-server args appended to every server (shell syntax)")
    parser.add_argument("--entries", type=int, default=20, help="entries per job (default 20)")
    parser.add_argument("--entry-bytes", type=int, default=1024, help="bytes per entry (default 1024)")
    parser.add_argument("--pending", type=int, default=10, help="entries read, not acknowledged, per job")
    parser.add_argument("--rounds", type=int, help="alternating rounds per server (default 5, quick 2)")
    options_in = parser.parse_args()
    reason = cgroup.available()
    if reason is not None:
        raise SystemExit(f"capacity.py runs every redis-server in a cgroup: it {cgroup.HINT} ({reason})")
    quick = bool(options_in.quick)
    options = Options(
        rounds=options_in.rounds or (2 if quick else 5),
        requests=20_000 if quick else 100_000,
        seconds=1.5 if quick else 6.0,
        clients=50,
        workers=3,
        entries=options_in.entries,
        entry_bytes=options_in.entry_bytes,
        pending=options_in.pending,
        fill_timeout=60.0 if quick else 120.0,
    )
    started = time.monotonic()
    container = synth_container()
    limits = container["resources"]["limits"]
    memory_bytes, millis = memory_limit(limits["memory"]), cpu_millis(limits["cpu"])
    uid = int(container["securityContext"]["runAsUser"])
    extra = shlex.split(options_in.extra)
    guarded = [*container["args"], *extra]
    seed = parse_redis_args(container["args"])
    bare = ["--maxmemory", seed["maxmemory"], "--maxmemory-policy", seed["maxmemory-policy"], "--save", "", *extra]
    maxmemory = parse_redis_args(guarded)["maxmemory"]
    version = subprocess.run([options_in.redis_server, "--version"], capture_output=True, text=True, check=True)
    print(version.stdout.strip())
    print(f"limits: memory {limits['memory']} ({mib(memory_bytes)}, no swap), cpu {limits['cpu']}; uid {uid}")
    print(f"guarded args: {len(guarded)} (synthesised EphemeralRedis{', + ' + shlex.join(extra) if extra else ''})")
    print(f"bare args:    {shlex.join(bare)}")
    shape = JobShape(options.entries, options.entry_bytes, options.pending)
    with tempfile.TemporaryDirectory(prefix="agentsmith-capacity-") as logs:
        run = ServerRun(options_in.redis_server, container, memory_bytes, millis, Path(logs))
        fill = None
        if not options_in.churn:
            fill = jobs_per_maxmemory(run, guarded, maxmemory, shape, options, quick)
            ops_and_guard_cost(run, guarded, bare, options, limits["cpu"])
        results = eviction_churn(run, guarded, limits["memory"], CHURN_XADDS_QUICK if quick else CHURN_XADDS)
    sizing_table(shape, fill, results)
    print(f"\ntotal time {time.monotonic() - started:.0f} s")
    return 0


def jobs_per_maxmemory(
    run: ServerRun, guarded: list[str], maxmemory: str, shape: JobShape, options: Options, quick: bool
) -> FillResult:
    """(i) jobs per maxmemory, on a server of its own (it ends full)."""
    fill_maxmemory = maxmemory
    fill_args = guarded
    if quick:  # a quarter of maxmemory fills in a few seconds; bytes per job do not depend on it
        fill_maxmemory = f"{parse_redis_memory(maxmemory) // 4 // MIB}mb"
        fill_args = [*guarded, "--maxmemory", fill_maxmemory]
    with run.limited(fill_args, "fill") as (server, limit):
        fill = fill_jobs(server, limit, shape, options.fill_timeout)
    held = "OOM-killed" if fill.oom_killed else str(fill.jobs_held) if fill.jobs_held else "no eviction before timeout"
    max_bytes = parse_redis_memory(fill_maxmemory)
    print_section(
        (
            f"(i) Jobs in flight per maxmemory (guarded args; a job: {shape.entries} entries of {shape.entry_bytes} B, "
            f"a consumer group, {shape.pending} pending)"
        ),
        ["maxmemory", "jobs held at first eviction", "bytes/job", "jobs per 256 MiB (extrapolated)", "used_memory",
         "peak RSS", "peak cgroup (of limit)", "mem_frag", "allocator_frag", "fill time"],
        [[fill_maxmemory, held, f"{fill.bytes_per_job:,.0f}",
          f"{256 * MIB / fill.bytes_per_job:,.0f}" if fill.bytes_per_job else "-",
          mib(fill.used_memory), mib(fill.peak_rss), f"{mib(fill.peak_cgroup)} of {mib(run.memory_bytes)}",
          f"{fill.fragmentation:.2f}", f"{fill.allocator_frag:.2f}", f"{fill.seconds:.1f} s"]],
    )  # fmt: skip
    overhead = fill.peak_cgroup - max_bytes
    print(f"\npeak cgroup usage - maxmemory = {mib(overhead)} (this load only; fragmentation depends on the load)")
    return fill


def ops_and_guard_cost(run: ServerRun, guarded: list[str], bare: list[str], options: Options, cpu: str) -> None:
    """(ii) and (iii): both servers, alternating."""
    names = ["PING", "XADD", "job sequence"]
    series: dict[tuple[str, str], Series] = {(kind, name): Series() for kind in ("bare", "guarded") for name in names}
    with contextlib.ExitStack() as stack:
        servers = {
            kind: stack.enter_context(run.limited(args, kind)) for kind, args in (("bare", bare), ("guarded", guarded))
        }
        for round_number in range(options.rounds):
            order = ["bare", "guarded"] if round_number % 2 == 0 else ["guarded", "bare"]
            for name in names:
                for kind in order:
                    server, limit = servers[kind]
                    series[(kind, name)].add(measure_once(name, server.port, limit, options))
        oom = {kind: limit.oom_kills() for kind, (_, limit) in servers.items()}
    rows: list[list[str]] = []
    for name in names:
        g, b = series[("guarded", name)], series[("bare", name)]
        unit = "jobs/s" if name == "job sequence" else "ops/s"
        rows.append([
            name, f"{median(g.ops):,.0f} {unit}", f"{median(g.p99):.2f} ms", f"{median(g.throttled):.0%}",
            f"{median(b.ops):,.0f} {unit}", f"{median(b.p99):.2f} ms",
            f"{median(g.ops) / median(b.ops):.3f}", f"{median(g.p99) / median(b.p99):.3f}",
        ])  # fmt: skip
    print_section(
        (
            f"(ii) Guarded server at {cpu} CPU and (iii) the ACL guard's cost "
            f"(median of {options.rounds} alternating rounds; PING/XADD: redis-benchmark -c {options.clients}, "
            f"{options.requests} requests; job sequence: {options.workers} redis-py processes, {options.seconds} s)"
        ),
        ["workload", "guarded ops/s", "guarded p99", "CPU-throttled periods", "bare ops/s", "bare p99",
         "ops/s guarded/bare", "p99 guarded/bare"],
        rows,
    )  # fmt: skip
    print(
        f"\njob sequence = XGROUP CREATE MKSTREAM, {options.entries} XADDs of {options.entry_bytes} B in one pipeline, "
        "XREADGROUP COUNT 10, XACK, DEL"
    )
    if max(median(series[("guarded", name)].throttled) for name in names) < 0.05:
        print(
            "the server was CPU-throttled in under 5% of CFS periods: these figures are bounded by the clients "
            f"on this machine, not by the {cpu} limit"
        )
    print(f"OOM kills during (ii)/(iii): {oom}")


def eviction_churn(run: ServerRun, guarded: list[str], container_limit: str, xadds: int) -> list[ChurnResult]:
    """(iv) the churn load at the container's memory limit, then at the seed's (same args)."""
    limits = dict.fromkeys([container_limit, SEED_MEMORY_LIMIT])  # once each, in this order
    results = [churn(run, guarded, limit, f"churn-{number}", xadds) for number, limit in enumerate(limits)]
    rows: list[list[str]] = []
    for result in results:
        died = f" ({result.died})" if result.died else ""
        rows.append([
            result.limit, mib(result.maxmemory), mib(result.peak_cgroup),
            f"{result.peak_cgroup / result.maxmemory:.3f}", mib(result.peak_rss),
            ("yes" if result.oom_killed else "no") + died,
            f"{result.evicted:,}" + (" (last poll)" if result.died else ""),
            "-" if result.xadd_ops is None else f"{result.xadd_ops:,.0f}", f"{result.seconds:.0f} s",
            result.failed or "-",
        ])  # fmt: skip
    print_section(
        (
            f"(iv) Eviction churn at the container's limit (guarded args + test admin; fill: redis-benchmark "
            f"{shlex.join(CHURN_FILL)}; then redis-benchmark {shlex.join(churn_xadd(xadds)[:-1])} "
            f"<{CHURN_ENTRY_BYTES} B>; INFO polled every {POLL_SECONDS * 1000:.0f} ms)"
        ),
        ["limit", "maxmemory", "peak cgroup", "peak cgroup / maxmemory", "peak RSS (INFO)", "OOM-killed",
         "evicted keys", "XADD ops/s", "time", "redis-benchmark error (server running)"],
        rows,
    )  # fmt: skip
    share = 1 + FRAGMENTATION_SHARE
    print(
        f"\nthe library budgets maxmemory x {share.numerator}/{share.denominator} ({float(share):.4f}) for the dataset "
        "and the allocator under churn, plus the clients' budget (--maxmemory-clients)"
    )
    return results


def sizing_table(shape: JobShape, fill: FillResult | None, results: Sequence[ChurnResult]) -> None:
    """Memory limits from the library's formula, the client budget at them, and the jobs of (i)'s shape."""
    ratios = [result.peak_cgroup / result.maxmemory for result in results if not result.oom_killed]
    ratio = max(ratios) if ratios else None
    per_job = fill.bytes_per_job if fill is not None and not fill.oom_killed else 0.0
    measured = f"{per_job:,.0f} bytes/job from (i)" if per_job else "(i) not run"
    rows: list[list[str]] = []
    for size in SIZING_MAXMEMORY:
        maxmemory_bytes = parse_redis_memory(size)
        limit = needed_limit(maxmemory_bytes)
        rows.append([
            size, f"{limit // MIB}Mi", mib(client_budget(maxmemory_bytes, limit)),
            "-" if ratio is None else mib(maxmemory_bytes * ratio),
            f"{int(maxmemory_bytes // per_job):,}" if per_job else "- (run without --churn)",
        ])  # fmt: skip
    print_section(
        (
            f"Sizing (agentsmith.core.limits: limit = maxmemory x (1 + FRAGMENTATION_SHARE) + 2 x max_value_size "
            f"{PROTO_MAX_BULK_LEN}, in whole Mi; jobs: {shape.entries} entries of {shape.entry_bytes} B, "
            f"{shape.pending} pending, {measured})"
        ),
        ["maxmemory", "memory limit needed", "client budget at it", "churn peak at the measured ratio",
         "jobs in flight in maxmemory"],
        rows,
    )  # fmt: skip
    if ratio is not None:
        print(f"\nmeasured ratio: {ratio:.3f} x maxmemory (the highest peak cgroup / maxmemory in (iv) not OOM-killed)")


if __name__ == "__main__":
    sys.exit(main())
