"""Runtime: a local three-node Redis Cluster behind ``ExternalRedis(url=..., cluster=True)``.

GIVEN three ``redis-server --cluster-enabled yes`` joined by ``redis-cli --cluster create``, WHEN a worker
is wired with ``add_redis_url`` to an ``ExternalRedis`` of one node's URL with ``cluster=True``, THEN it
gets ``REDIS_CLUSTER=true``; a plain ``Redis.from_url`` client gets ``MOVED`` on most of ten jobs' keys,
while docs/operations.md's blocks ("Redis Cluster"), redis-py's ``RedisCluster`` and ioredis's
``Redis.Cluster``, write all ten. ``-s`` prints the counts.
"""

from __future__ import annotations

import functools
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cdk8s
import pytest
import redis
from _doc_blocks import CLUSTER, as_process, blocks, node, wired_container
from _support import require_redis_server

from agentsmith import ExternalRedis
from testkit.redis_runtime import LOOPBACK, free_port

pytestmark = pytest.mark.runtime

JOBS = 10
PYTHON_JOBS = f"""
ok = 0
for job in range({JOBS}):
    bus.set(f"job:{{job}}:state", "done")
    ok += bus.get(f"job:{{job}}:state") == b"done"
print(type(bus).__name__, ok)
"""
NODE_JOBS = f"""
(async () => {{
  let ok = 0;
  for (let job = 0; job < {JOBS}; job++) {{
    await bus.set(`job:${{job}}:state`, "done");
    ok += (await bus.get(`job:${{job}}:state`)) === "done" ? 1 : 0;
  }}
  console.log((bus instanceof Redis.Cluster ? "Cluster" : "Redis") + " " + ok);
  bus.disconnect();
}})().catch((error) => {{ console.log("ERROR " + error.message); process.exit(1); }});
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[int]]:
    """Three masters on free loopback ports sharing the 16384 slots; yields their ports."""
    server = require_redis_server("redis:7")
    folder = tmp_path_factory.mktemp("cluster")
    ports = cluster_ports(3)
    processes = []
    try:
        for port in ports:
            workdir = folder / str(port)
            workdir.mkdir()
            with (workdir / "redis.log").open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        [
                            server,
                            "--port",
                            str(port),
                            "--bind",
                            LOOPBACK,
                            "--cluster-enabled",
                            "yes",
                            "--cluster-config-file",
                            "nodes.conf",
                            "--save",
                            "",
                            "--appendonly",
                            "no",
                        ],
                        cwd=workdir,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        for port, process in zip(ports, processes, strict=True):
            # a node that exits (a refused configuration) fails at once, with its log
            wait_for(functools.partial(started, process, port, folder / str(port) / "redis.log"), what=f"node {port}")
        subprocess.run(
            ["redis-cli", "--cluster", "create", *(f"{LOOPBACK}:{p}" for p in ports), "--cluster-replicas", "0",
             "--cluster-yes"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        for port in ports:
            wait_for(functools.partial(cluster_ok, port), what=f"cluster_state:ok on {port}")
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


#: Redis Cluster listens on port + 10000 for its bus, so a node's port must be at most 65535 - 10000.
MAX_CLUSTER_PORT = 55535


def cluster_ports(count: int) -> list[int]:
    """``count`` distinct free ports whose cluster bus ports (+10000) are free too."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port <= MAX_CLUSTER_PORT and port not in ports and bindable(port + 10000):
            ports.append(port)
    return ports


def bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


def started(process: subprocess.Popen[bytes], port: int, log: Path) -> bool:
    """Whether the node answers; raises with its log when it has exited."""
    if process.poll() is not None:
        raise RuntimeError(f"redis-server on port {port} exited {process.returncode}: {log.read_text()[-500:]}")
    return ping(port)


def ping(port: int) -> bool:
    try:
        with redis.Redis(host=LOOPBACK, port=port, socket_timeout=2) as node_client:
            return node_client.ping() is True
    except redis.ConnectionError:
        return False


def cluster_ok(port: int) -> bool:
    with redis.Redis(host=LOOPBACK, port=port, socket_timeout=2, decode_responses=True) as node_client:
        return "cluster_state:ok" in node_client.execute_command("CLUSTER", "INFO")


def wait_for(condition: Callable[[], bool], *, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


def test_plain_client_gets_moved_and_cluster_clients_from_the_published_url_work(
    cluster: list[int], tmp_path: Path
) -> None:
    # GIVEN the URL ExternalRedis publishes for one node and the worker wired to it
    made: list[ExternalRedis] = []

    def bus(chart: cdk8s.Chart) -> ExternalRedis:
        made.append(ExternalRedis(chart, "bus", url=f"redis://{LOOPBACK}:{cluster[0]}", cluster=True))
        return made[0]

    container, pod = wired_container(bus)
    sources = {("agentsmith-secrets", "redis-url"): made[0].url.encode()}
    env = as_process(container, pod, sources, tmp_path)
    assert env["REDIS_CLUSTER"] == "true" and env["REDIS_URL"] == f"redis://{LOOPBACK}:{cluster[0]}"

    # WHEN a plain client writes ten jobs' keys
    moved = 0
    with redis.Redis.from_url(env["REDIS_URL"]) as plain:
        for job in range(JOBS):
            try:
                plain.set(f"job:{job}:state", "done")
            except redis.exceptions.MovedError:  # the reply "MOVED <slot> <host:port>"
                moved += 1
    # AND the docs' blocks do the same, choosing by REDIS_CLUSTER
    python = subprocess.run(
        [sys.executable, "-c", blocks(CLUSTER, "python")[0] + PYTHON_JOBS], env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    javascript = subprocess.run(
        [node(), "-e", blocks(CLUSTER, "javascript")[0] + NODE_JOBS], env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    print(f"\nplain Redis.from_url: MOVED on {moved} of {JOBS} jobs' keys")
    print(f"docs' redis-py block: {python.stdout.strip() or python.stderr.strip()[-300:]} of {JOBS}")
    print(f"docs' ioredis block: {javascript.stdout.strip() or javascript.stderr.strip()[-300:]} of {JOBS}")
    # THEN the plain client fails on the keys of the other nodes, the cluster-aware ones on none
    assert moved >= JOBS // 2
    assert python.stdout.strip() == f"RedisCluster {JOBS}", python.stderr
    assert javascript.stdout.strip() == f"Cluster {JOBS}", javascript.stderr
