"""Runtime: the command guard (seed mode) lets real clients work and keeps admin commands out.

The server runs the args of the synthesised default Deployment (``dist/``'s),
and clients connect the way redis-py, go-redis and ioredis do. redis-py and ioredis
(``node_modules``, from package.json) run for real; go-redis's connection
set-up is replayed command by command (no Go toolchain here).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
from _support import ROOT, require_redis_server, require_tool

from agentsmith import RedisAccess, RedisAuth, RedisRole
from testkit.manifests import the_container
from testkit.redis_runtime import RedisProcess, client, raw_command, refused, run_container, synth_container, unknown

pytestmark = pytest.mark.runtime


@pytest.fixture(scope="module")
def seed_container(manifests: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    container = the_container(manifests[("Deployment", "redis")])
    return dict(container)


@pytest.fixture(scope="module")
def guarded(seed_container: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    require_tool("setpriv", "apt-get install util-linux")
    with run_container(
        seed_container,
        {},
        log_path=tmp_path_factory.mktemp("guard") / "redis.log",
        redis_server=require_redis_server(seed_container["image"]),
    ) as (server, _env):
        yield server


def test_seed_probe_and_check_answer_pong_through_the_guard(
    seed_container: dict[str, Any], guarded: RedisProcess
) -> None:
    assert seed_container["livenessProbe"]["exec"]["command"] == ["redis-cli", "ping"]
    # The seed's check, `redis-cli -h redis ping`, with the host pointed at the test server.
    result = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", str(guarded.port), "ping"], capture_output=True, text=True, timeout=10
    )
    assert (result.returncode, result.stdout.strip()) == (0, "PONG")


@pytest.mark.parametrize("protocol", [2, 3])
def test_redis_py_runs_a_job_through_the_guard(guarded: RedisProcess, protocol: int) -> None:
    bus = redis.Redis(
        host="127.0.0.1", port=guarded.port, protocol=protocol, db=1, client_name="dispatcher", decode_responses=True
    )
    with bus:
        stream = f"job:{protocol}:events"
        bus.xgroup_create(stream, "agents", id="0", mkstream=True)
        first = bus.xadd(stream, {"step": "1"})
        bus.expire(stream, 7200)
        read = bus.xreadgroup("agents", "a1", {stream: ">"}, count=1, block=10)
        assert read, read
        assert bus.xautoclaim(stream, "agents", "a2", min_idle_time=0)[1][0][0] == first
        assert bus.xack(stream, "agents", first) == 1
        # Pipelines without MULTI: a transaction would let EXEC run queued reads with no limit between them
        with bus.pipeline(transaction=False) as pipe:
            pipe.hset(f"job:{protocol}:meta", "state", "done")
            pipe.lpush(f"job:{protocol}:log", "x")
            pipe.get("nothing")
            assert pipe.execute() == [1, 1, None]
        with pytest.raises(redis.exceptions.NoPermissionError), bus.pipeline() as transaction:
            transaction.get("nothing")
            transaction.execute()
        pubsub = bus.pubsub()
        pubsub.subscribe(f"job:{protocol}:done")
        assert bus.publish(f"job:{protocol}:done", "ok") >= 1
        messages = [pubsub.get_message(timeout=5) for _ in range(2)]
        assert [m["type"] for m in messages if m] == ["subscribe", "message"]
        pubsub.close()
        assert bus.client_getname() == "dispatcher"
        assert bus.delete(stream) == 1
        # ...while the same client cannot reconfigure, wipe or take over Redis.
        for attempt in (
            lambda: bus.config_set("maxmemory", "1mb"),
            lambda: bus.flushall(),
            lambda: bus.acl_setuser("default", enabled=True, nopass=True, commands=["+@all"]),
            lambda: bus.execute_command("SHUTDOWN", "NOSAVE"),
        ):
            with pytest.raises(redis.exceptions.NoPermissionError):
                attempt()


#: go-redis v9's connection set-up (HELLO 3 first, then a pipeline of client
#: identity commands whose errors it ignores), replayed on one connection.
GO_REDIS = [
    ["HELLO", "3", "SETNAME", "dispatcher"],
    ["CLIENT", "SETINFO", "LIB-NAME", "go-redis(,go1.22.0)"],
    ["CLIENT", "SETINFO", "LIB-VER", "9.5.1"],
    ["SELECT", "1"],
    ["PING"],
]
#: ioredis 5.9 (redis/event_handler.js): AUTH, SELECT, CLIENT SETNAME, CLIENT
#: SETINFO LIB-VER/LIB-NAME, then the ready check (INFO). Also run for real below.
IOREDIS = [
    ["SELECT", "1"],
    ["CLIENT", "SETNAME", "agent"],
    ["CLIENT", "SETINFO", "LIB-VER", "5.9.3"],
    ["CLIENT", "SETINFO", "LIB-NAME", "ioredis"],
    ["INFO"],
    ["PING"],
]


@pytest.mark.parametrize("handshake", [GO_REDIS, IOREDIS], ids=["go-redis", "ioredis"])
def test_client_handshakes_pass_the_guard(guarded: RedisProcess, handshake: list[list[str]]) -> None:
    replies = [raw_command(guarded.port, argv) for argv in handshake]
    # CLIENT SETINFO came with Redis 7.2: 7.0 does not know it, and 7.2 and later refuse it to the guard (an
    # ACL rule may only name a command 7.0 knows, so "-client" keeps it out); clients ignore both errors.
    failed = [argv for argv, r in zip(handshake, replies, strict=True) if r.startswith("-")]
    assert [argv for argv in failed if argv[:2] != ["CLIENT", "SETINFO"]] == []
    assert all(unknown(r) or refused(r) for argv, r in zip(handshake, replies, strict=True) if argv in failed)


def test_the_guard_survives_every_way_round(guarded: RedisProcess) -> None:
    port = guarded.port
    with client(port) as bus:
        bus.set("job:keep", "1")
        # MULTI is denied to the guard: a client that still sends a transaction gets an error, but
        # Redis runs the commands that followed MULTI one by one (docs/security.md, "What bounds each
        # command"): the SET ran, FLUSHALL was refused on its own.
        with bus.pipeline() as pipe:
            pipe.set("job:x", "1").flushall()
            with pytest.raises(redis.exceptions.NoPermissionError, match="multi"):
                pipe.execute()
        assert bus.exists("job:x") == 1
    for attempt in (
        ["ACL", "SETUSER", "default", "+@all"],
        ["ACL", "LOAD"],
        ["CONFIG", "SET", "maxmemory", "1mb"],
        ["EVAL", "return redis.call('flushall')", "0"],
        ["FUNCTION", "FLUSH"],
        ["FCALL", "anything", "0"],
    ):
        assert raw_command(port, attempt).startswith("-NOPERM"), attempt
    with client(port) as bus:
        assert bus.get("job:keep") == "1"
        assert bus.acl_whoami() == "default"
        with pytest.raises(redis.exceptions.NoPermissionError):
            bus.config_get("maxmemory")


def test_acl_applies_inside_lua_scripts(tmp_path_factory: pytest.TempPathFactory) -> None:
    # If scripting were allowed, scripts would still run as the caller, under its rules.
    container = synth_container()
    container["args"] = [
        *container["args"][:6],
        "--user",
        "default",
        "on",
        "nopass",
        "~*",
        "&*",
        "+@all",
        "-@dangerous",
        "+info",
    ]
    with run_container(
        container,
        {},
        log_path=tmp_path_factory.mktemp("lua") / "redis.log",
        redis_server=require_redis_server(container["image"]),
    ) as (server, _env):
        assert raw_command(server.port, ["SET", "job:keep", "1"]) == "+OK"
        reply = raw_command(server.port, ["EVAL", "return redis.call('flushall')", "0"])
        # 7.0's words, then 7.2's and later ("ACL failure in script: ... no permissions to run the 'flushall' command")
        denied = ("-ERR The user executing the script can't run this command", "-ERR ACL failure in script")
        assert reply.startswith(denied), reply
        assert raw_command(server.port, ["EXISTS", "job:keep"]) == ":1"
        assert raw_command(server.port, ["EVAL", "return redis.call('ping')", "0"]) == "+PONG"


IOREDIS_SCRIPT = Path(__file__).parent / "clients" / "ioredis_job.js"
NODE_MODULES = ROOT / "node_modules"


@pytest.mark.parametrize("mode", ["seed", "auth", "roles-agent"])
def test_real_ioredis_runs_a_job(mode: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    node = require_tool("node", "apt-get install nodejs (or see nodejs.org)")
    if not (NODE_MODULES / "ioredis").is_dir():
        require_tool("ioredis-in-node_modules", "run `bash tools/setup.sh` (npm ci installs ioredis)")
    password = "pw-" + secrets.token_urlsafe(12)
    props: dict[str, Any] = {
        "seed": dict[str, Any](),
        "auth": {"access": RedisAccess.password(RedisAuth(secret_name="s"))},
        "roles-agent": {
            "access": RedisAccess.roles([RedisRole.dispatcher(secret_name="d"), RedisRole.agent(secret_name="s")]),
        },
    }[mode]
    values = {("s", "redis-password"): password, ("d", "redis-password"): "dispatcher-" + password}
    login = {"seed": (None, None), "auth": (None, password), "roles-agent": ("agent", password)}[mode]
    container = synth_container(**props)
    with run_container(
        container,
        values,
        log_path=tmp_path_factory.mktemp("ioredis") / "redis.log",
        redis_server=require_redis_server(container["image"]),
        username=login[0],
        password=login[1],
    ) as (server, _env):
        credentials = "" if login[1] is None else f"{login[0] or ''}:{quote(login[1], safe='')}@"
        url = f"redis://{credentials}127.0.0.1:{server.port}/0"
        result = subprocess.run(
            [node, str(IOREDIS_SCRIPT), url, "job:7:"],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": os.environ["PATH"], "NODE_PATH": str(NODE_MODULES)},
        )
    report = json.loads(result.stdout or "{}")
    assert result.returncode == 0, (report, result.stderr)
    assert report == {
        "warnings": [],  # no "Skipping the ready check" (INFO is allowed)
        "ready": True,
        "delivered": True,
        "acked": 1,
        "exec": [[None, "OK"], [None, 1]],
        "message": "ok",
        "name": "agent-1",
        "config": "NOPERM",
        "flushall": "NOPERM",
    }
