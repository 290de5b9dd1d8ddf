"""Runtime contract: a real redis-server runs the synthesised Redis container spec.

The manifests promise that Redis answers ``PONG``, keeps nothing on disk, stays
under its memory cap and evicts by LRU. There is no cluster here, so these tests
read the container from the synthesised Deployment (never from constants) and
run it on the host as the pod would: its args unchanged plus a loopback bind and
a free port, as ``runAsUser`` (when the tests run as root), in an empty working
directory. One server serves the module; the SHUTDOWN test starts its own.

Under ``CI=true`` a missing ``redis-server``/``redis-cli`` fails with an install
hint; elsewhere these tests skip. Run only these: ``pytest -m runtime``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from _support import require_redis_server, require_tool
from redis.typing import EncodableT, FieldT

from agentsmith.core.quantity import parse_quantity, parse_redis_memory
from testkit.redis_runtime import (
    TEST_ADMIN,
    TEST_ADMIN_ARGS,
    RedisProcess,
    client,
    make_workdir,
    parse_redis_args,
    point_probe,
    run_as,
    start_redis,
    wait_until,
)

pytestmark = pytest.mark.runtime

#: The seed: "Stream TTL is 2 hours; streams are explicitly deleted on job completion".
JOB_STREAM_TTL_SECONDS = 2 * 60 * 60
#: Memory pressure is written as values of this size, in pipelined batches.
VALUE_SIZE = 100 * 1024
BATCH = 32
#: Idle job streams in the LRU test; many, because Redis's LRU samples keys (maxmemory-samples 5).
IDLE_JOBS = 100


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def container(manifests: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    """The ``redis`` container of the synthesised Deployment."""
    pod = manifests[("Deployment", "redis")]["spec"]["template"]["spec"]
    containers = {c["name"]: c for c in pod["containers"]}
    assert "redis" in containers, f"no 'redis' container in the Deployment: {sorted(containers)}"
    redis_container: dict[str, Any] = containers["redis"]
    # No command: the image's entrypoint runs `redis-server <args>`, which is what we run.
    assert "command" not in redis_container, "the runtime tests assume the image's redis-server entrypoint"
    return redis_container


@pytest.fixture(scope="module")
def container_args(container: dict[str, Any]) -> list[str]:
    args: list[str] = container["args"]
    return args


@pytest.fixture(scope="module")
def options(container_args: list[str]) -> dict[str, str]:
    """The container's redis-server options: ``{"maxmemory": "256mb", ...}``."""
    return parse_redis_args(container_args)


@pytest.fixture(scope="module")
def maxmemory(options: dict[str, str]) -> int:
    return parse_redis_memory(options["maxmemory"])


@pytest.fixture(scope="module")
def redis_server(container: dict[str, Any]) -> str:
    """Path of a redis-server whose major version matches the container image's tag."""
    return require_redis_server(container["image"])


@pytest.fixture(scope="module")
def run_as_uid(container: dict[str, Any]) -> int:
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True, f"the container should set runAsNonRoot: {security}"
    uid: int = security["runAsUser"]
    assert uid != 0, "runAsNonRoot with runAsUser 0 cannot start"
    return uid


@pytest.fixture(scope="module")
def user_prefix(container: dict[str, Any], run_as_uid: int) -> list[str]:
    """Runs a command as the container user when we are root; as ourselves otherwise."""
    if os.geteuid() != 0:
        return []
    setpriv = require_tool("setpriv", "apt-get install util-linux")
    no_new_privs = container["securityContext"].get("allowPrivilegeEscalation") is False
    return run_as(run_as_uid, setpriv=setpriv, no_new_privs=no_new_privs)


def _launch(
    redis_server: str, container_args: list[str], user_prefix: list[str], run_as_uid: int, log_dir: Path
) -> tuple[RedisProcess, Path]:
    workdir = make_workdir(run_as_uid if user_prefix else None)
    try:
        # The container's args, then a test-only admin (the guard keeps the default user from
        # CONFIG GET/FLUSHALL/SHUTDOWN); server.client() logs in as that admin.
        server = start_redis(
            redis_server,
            [*container_args, *TEST_ADMIN_ARGS],
            user_prefix=user_prefix,
            workdir=workdir,
            log_path=log_dir / "redis.log",
            username=TEST_ADMIN[0],
            password=TEST_ADMIN[1],
        )
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return server, workdir


@pytest.fixture(scope="module")
def server(
    redis_server: str,
    container_args: list[str],
    user_prefix: list[str],
    run_as_uid: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RedisProcess]:
    """One redis-server for the module, started as the pod would and always stopped by PID."""
    running, workdir = _launch(
        redis_server, container_args, user_prefix, run_as_uid, tmp_path_factory.mktemp("redis-module")
    )
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture()
def db(server: RedisProcess) -> Iterator[redis.Redis]:
    """A default-user client (as the seed's clients connect) on an empty database with fresh statistics."""
    with server.client() as admin:
        admin.flushall()
        admin.config_resetstat()
    with client(server.port) as connection:
        yield connection


# --------------------------------------------------------------------------- helpers


def _fill(
    connection: redis.Redis, prefix: str, total_bytes: int, *, touch: str | None = None, start: int = 0
) -> tuple[int, list[Exception]]:
    """SET ``VALUE_SIZE`` values ``{prefix}:{n}`` until ``total_bytes`` are written (a bounded loop).

    With ``touch``, every batch first reads and appends to that stream, as an active
    job would. Returns the next ``n`` and every error reply (e.g. OOM) received.
    """
    value = b"x" * VALUE_SIZE
    errors: list[Exception] = []
    n = start
    for _ in range(-(-total_bytes // (VALUE_SIZE * BATCH))):
        with connection.pipeline(transaction=False) as pipe:
            if touch is not None:
                pipe.xrange(touch, count=1)
                pipe.xadd(touch, {"event": "progress", "n": n})
            for _ in range(BATCH):
                pipe.set(f"{prefix}:{n}", value)
                n += 1
            errors += [reply for reply in pipe.execute(raise_on_error=False) if isinstance(reply, Exception)]
    return n, errors


def _memory(connection: redis.Redis) -> dict[str, Any]:
    info: dict[str, Any] = connection.info("memory")
    return info


def _evicted_keys(connection: redis.Redis) -> int:
    return int(connection.info("stats")["evicted_keys"])


def _wait_lru_tick(connection: redis.Redis, key: str) -> None:
    """Poll until ``key`` looks at least 1 s idle: Redis's LRU clock counts whole seconds.

    ``OBJECT IDLETIME`` does not touch the key.
    """
    wait_until(lambda: int(connection.object("idletime", key)) >= 1, timeout=5, what=f"{key!r} to age 1 s")


# --------------------------------------------------------------------------- tests


def test_server_runs_as_the_container_user_in_an_empty_workdir(
    server: RedisProcess, run_as_uid: int, container: dict[str, Any]
) -> None:
    status = Path(f"/proc/{server.pid}/status").read_text(encoding="utf-8")
    fields = {key: value.split() for key, value in (line.split(":", 1) for line in status.splitlines())}
    if os.geteuid() == 0:  # only root can switch users; otherwise the server runs as us
        assert [int(uid) for uid in fields["Uid"][:2]] == [run_as_uid] * 2, f"redis-server runs as {fields['Uid']}"
        if container["securityContext"].get("allowPrivilegeEscalation") is False:
            assert fields["NoNewPrivs"] == ["1"], "allowPrivilegeEscalation: false should set no_new_privs"
    with server.client() as connection:
        assert connection.config_get("dir")["dir"] == str(server.workdir), "the server keeps files elsewhere"
    assert sorted(os.listdir(server.workdir)) == [], "the working directory should be empty while running"


@pytest.mark.parametrize("probe", ["livenessProbe", "readinessProbe"])
def test_probe_command_answers_pong(container: dict[str, Any], server: RedisProcess, probe: str) -> None:
    command: list[str] = container[probe]["exec"]["command"]
    # The one change: the test port (the seed's bare redis-cli, or the PONG-only sh -c form).
    pointed = point_probe(command, server.port)
    result = subprocess.run(
        [*server.user_prefix, *pointed],
        capture_output=True,
        text=True,
        timeout=container[probe].get("timeoutSeconds", 1),  # Kubernetes' default timeoutSeconds is 1
    )
    assert result.returncode == 0, (
        f"{probe} {pointed!r} exited {result.returncode}: stdout {result.stdout!r}, stderr {result.stderr!r}"
    )
    if command[0] == "redis-cli":  # the seed's probe passes on any reply: it must print PONG
        assert result.stdout.strip() == "PONG", result.stdout
    # The reply itself, asked as the probe asks.
    ask = [*server.user_prefix, "redis-cli", "-h", "127.0.0.1", "-p", str(server.port), "ping"]
    assert subprocess.run(ask, capture_output=True, text=True, timeout=10).stdout.strip() == "PONG"


def test_config_matches_container_args(server: RedisProcess, options: dict[str, str]) -> None:
    assert {"save", "maxmemory", "maxmemory-policy"} <= options.keys(), options
    # CONFIG GET reports sizes in bytes ("256mb" -> "268435456"); everything else verbatim.
    # `user` (the command guard's ACL line) is no CONFIG parameter: tests/test_runtime_guard.py checks it.
    expected = {name: value for name, value in options.items() if name != "user"}
    for size in ("maxmemory", "proto-max-bulk-len", "client-query-buffer-limit", "maxmemory-clients"):
        if size in expected:
            expected[size] = str(parse_redis_memory(options[size]))
    if "client-output-buffer-limit" in expected:
        # CONFIG GET lists every class (replica too) with sizes in bytes; each class the args set must be there.
        values = options["client-output-buffer-limit"].split()
        groups = [values[i : i + 4] for i in range(0, len(values), 4)]
        in_bytes = [
            " ".join([kind, *(str(parse_redis_memory(size)) for size in sizes), secs]) for kind, *sizes, secs in groups
        ]
        with server.client() as connection:
            reported = connection.config_get("client-output-buffer-limit")["client-output-buffer-limit"]
        assert all(group in reported for group in in_bytes), (reported, in_bytes)
        del expected["client-output-buffer-limit"]
    with server.client() as connection:
        actual = {name: connection.config_get(name)[name] for name in expected}
    assert actual == expected, f"CONFIG GET {actual} differs from the container args {options}"


def test_dispatcher_round_trip(db: redis.Redis) -> None:
    stream, group, worker = "job:42:events", "dispatcher", "agent-1"
    task: dict[FieldT, EncodableT] = {"type": "task", "prompt": "hello"}
    entry = db.xadd(stream, task)
    db.xgroup_create(stream, group, id="0")
    delivered = db.xreadgroup(group, worker, {stream: ">"}, count=10)
    assert delivered == [[stream, [(entry, task)]]], f"XREADGROUP delivered {delivered}"
    assert db.xpending(stream, group)["pending"] == 1, "the delivered entry should be pending until acked"
    assert db.xack(stream, group, entry) == 1
    assert db.xpending(stream, group)["pending"] == 0, "XACK should clear the pending entry"

    assert db.expire(stream, JOB_STREAM_TTL_SECONDS) is True
    ttl = db.ttl(stream)
    assert JOB_STREAM_TTL_SECONDS - 10 < ttl <= JOB_STREAM_TTL_SECONDS, f"TTL {ttl} s, expected about 2 hours"

    assert db.delete(stream) == 1, "DEL on job completion should remove the stream"
    assert db.exists(stream) == 0


def test_memory_pressure_evicts_without_oom(db: redis.Redis, maxmemory: int, container: dict[str, Any]) -> None:
    _, errors = _fill(db, "pressure", 2 * maxmemory)

    assert errors == [], f"{len(errors)} error replies under memory pressure, first: {errors[0]!r}"
    evicted = _evicted_keys(db)
    assert evicted > 0, "writing 2x maxmemory should evict keys"
    memory = _memory(db)
    # No tolerance needed: Redis evicts before every command, so used_memory is back under the cap here.
    assert memory["used_memory"] <= maxmemory, f"used_memory {memory['used_memory']} > maxmemory {maxmemory}"
    limit = parse_quantity(container["resources"]["limits"]["memory"])
    for field in ("used_memory_peak", "used_memory_rss"):
        assert memory[field] < limit, f"{field} {memory[field]} is not under the container's memory limit {limit}"
    # Shown with `pytest -rP`: the numbers for the closing note.
    print(f"evicted_keys={evicted} used_memory_peak={memory['used_memory_peak']} rss={memory['used_memory_rss']}")


def test_idle_job_stream_is_evicted_before_active_one(db: redis.Redis, maxmemory: int) -> None:
    """The seed: under allkeys-lru "old stream entries are evicted before active ones".

    Redis's LRU is approximate: it samples 5 keys per eviction and its clock counts
    whole seconds, so keys written in the same second tie. Three generations keep
    the order strict: idle job streams (oldest), then other data up to 90% of
    maxmemory (1 s later), then pressure (1 s later) during which the active job's
    stream is read and appended to before every batch. The pressure evicts less
    than the other data, so an older key is always there to evict before the
    active stream; idle streams are evicted whenever sampled.
    """
    idle = [f"job:{n}:events" for n in range(IDLE_JOBS)]
    active = "job:active:events"
    with db.pipeline(transaction=False) as pipe:
        for stream in [*idle, active]:
            for step in ("queued", "started", "output"):
                pipe.xadd(stream, {"event": step, "payload": "p" * 1024})
        pipe.execute()
    _wait_lru_tick(db, idle[-1])

    n = 0
    for _ in range(maxmemory // (VALUE_SIZE * BATCH)):  # bounded: at most maxmemory of data
        if _memory(db)["used_memory"] >= 0.9 * maxmemory:
            break
        n, errors = _fill(db, "other", VALUE_SIZE * BATCH, start=n)
        assert errors == [], errors[0]
    assert _evicted_keys(db) == 0, "filling to 90% of maxmemory should not evict yet"
    _wait_lru_tick(db, f"other:{n - 1}")

    _, errors = _fill(db, "pressure", maxmemory // 2, touch=active, start=n)

    assert errors == [], f"{len(errors)} error replies under memory pressure, first: {errors[0]!r}"
    assert _evicted_keys(db) > 0, "the pressure should evict keys"
    assert db.exists(active) == 1, "the active job's stream was evicted"
    gone = sum(db.exists(stream) == 0 for stream in idle)
    print(f"idle job streams evicted: {gone} of {IDLE_JOBS}; evicted_keys={_evicted_keys(db)}")
    assert gone > IDLE_JOBS // 2, f"only {gone} of {IDLE_JOBS} idle job streams were evicted"


def test_shutdown_leaves_no_files(
    redis_server: str,
    container_args: list[str],
    user_prefix: list[str],
    run_as_uid: int,
    tmp_path: Path,
) -> None:
    """Plain SHUTDOWN (no NOSAVE): only the container's ``--save ""`` keeps Redis from writing dump.rdb."""
    server, workdir = _launch(redis_server, container_args, user_prefix, run_as_uid, tmp_path)
    try:
        with server.client() as connection:
            connection.set("job:1:result", "done")
            connection.xadd("job:1:events", {"event": "done"})
            assert connection.config_get("dir")["dir"] == str(workdir)
            connection.shutdown()
        assert server.wait_exit() == 0, f"redis-server did not exit cleanly:\n{server.log_tail()}"
        leftovers = sorted(os.listdir(workdir))
        assert leftovers == [], f"the working directory should stay empty (no dump.rdb, no appendonly*): {leftovers}"
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
