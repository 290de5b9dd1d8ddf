"""Runtime: roles mode, and probes that pass only on PONG (issue 13, items 2 and 3).

The server runs the args of ``EphemeralRedis(access=RedisAccess.roles([dispatcher, agent]))``,
expanded with the Secrets' values. Each role's clients connect with the URL
its Secret holds. The probe command of the synthesised container then runs
against servers in each state it must catch: NOAUTH, WRONGPASS, NOPERM, BUSY
and LOADING.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import subprocess
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import redis
from _support import require_redis_server, require_tool

from agentsmith import RedisAccess, RedisRole
from testkit.redis_runtime import (
    LOOPBACK,
    RedisProcess,
    container_args,
    free_port,
    make_workdir,
    raw_command,
    run_as,
    run_container,
    run_probe,
    start_redis,
    synth_container,
    wait_until,
)

pytestmark = pytest.mark.runtime

ROLES = [RedisRole.dispatcher(secret_name="redis-dispatcher"), RedisRole.agent(secret_name="redis-agent")]
PASSWORDS = {"dispatcher": "d " + secrets.token_urlsafe(16), "agent": "a$(x)" + secrets.token_urlsafe(16)}
SECRETS = {(role.secret_name, role.password_key): PASSWORDS[role.name] for role in ROLES}


def role_url(name: str, port: int) -> str:
    """What the role's Secret holds under ``redis-url`` (with the test server's address)."""
    return f"redis://{name}:{quote(PASSWORDS[name], safe='')}@{LOOPBACK}:{port}"


@pytest.fixture(scope="module")
def container() -> dict[str, Any]:
    return synth_container(access=RedisAccess.roles(ROLES))


@pytest.fixture(scope="module")
def server(container: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    require_tool("setpriv", "apt-get install util-linux")
    with run_container(
        container,
        SECRETS,
        log_path=tmp_path_factory.mktemp("roles") / "redis.log",
        redis_server=require_redis_server(container["image"]),
        username="dispatcher",
        password=PASSWORDS["dispatcher"],
    ) as (process, _env):
        yield process


def probe_env(container: dict[str, Any], **overrides: str) -> dict[str, str]:
    """The probe's environment in the pod: every variable of the container, from the Secrets."""
    from testkit.redis_runtime import container_env

    return {**container_env(container, SECRETS), **overrides}


def test_each_role_works_with_the_url_from_its_secret(server: RedisProcess) -> None:
    with redis.Redis.from_url(role_url("dispatcher", server.port), decode_responses=True) as dispatcher:
        dispatcher.xadd("dispatch:queue", {"job": "7"})
        dispatcher.xgroup_create("job:7", "agents", id="0", mkstream=True)
        assert dispatcher.acl_whoami() == "dispatcher"
    with redis.Redis.from_url(role_url("agent", server.port), decode_responses=True, protocol=3) as agent:
        assert agent.client_info()["user"] == "agent"
        entry = agent.xadd("job:7", {"event": "started"})
        assert agent.xreadgroup("agents", "agent-1", {"job:7": ">"}, count=1, block=10)[("job:7")][0][0][0] == entry
        assert agent.xack("job:7", "agents", entry) == 1
        with pytest.raises(redis.exceptions.NoPermissionError):
            agent.xrange("dispatch:queue")
        with pytest.raises(redis.exceptions.NoPermissionError):
            agent.config_set("maxmemory", "1mb")


def test_default_user_is_off(server: RedisProcess) -> None:
    assert raw_command(server.port, ["PING"]).startswith("-NOAUTH")
    assert raw_command(server.port, ["PING"], user="default", password="").startswith("-WRONGPASS")
    assert raw_command(server.port, ["PING"], user="default", password="x").startswith("-WRONGPASS")


def test_probe_passes_on_pong(container: dict[str, Any], server: RedisProcess) -> None:
    command = container["readinessProbe"]["exec"]["command"]
    assert command == ["sh", "-c", '[ "$(redis-cli --user dispatcher ping)" = PONG ]']
    assert run_probe(command, server.port, probe_env(container), user_prefix=server.user_prefix) == 0


def test_probe_fails_on_noauth_and_wrongpass(container: dict[str, Any], server: RedisProcess) -> None:
    command = container["livenessProbe"]["exec"]["command"]
    env = probe_env(container)
    del env["REDISCLI_AUTH"]
    assert run_probe(command, server.port, env) != 0  # NOAUTH
    assert run_probe(command, server.port, probe_env(container, REDISCLI_AUTH="wrong")) != 0  # WRONGPASS
    bare = subprocess.run(
        ["redis-cli", "-h", LOOPBACK, "-p", str(server.port), "--user", "dispatcher", "ping"],
        capture_output=True,
        text=True,
        timeout=10,
        env={"PATH": os.environ["PATH"], "REDISCLI_AUTH": "wrong"},
    )
    # What the seed's bare probe would have done: exit 0 on a refusal.
    assert (bare.returncode, bare.stdout.split()[0]) == (0, "NOAUTH"), bare


def _with_dispatcher_rules(container: dict[str, Any], env: dict[str, str], *rules: str) -> list[str]:
    """The container's expanded args with ``rules`` appended to the dispatcher's ``--user`` line."""
    args = container_args(container, env)
    start = args.index("dispatcher", args.index("--user", 7))
    end = next((i for i in range(start, len(args)) if args[i].startswith("--")), len(args))
    return [*args[:end], *rules, *args[end:]]


@pytest.fixture()
def variant(container: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Start a server with modified args (as the container user); stops them all afterwards."""
    started: list[RedisProcess] = []
    workdirs: list[Any] = []
    redis_server = require_redis_server(container["image"])
    uid = container["securityContext"]["runAsUser"]
    prefix = (
        run_as(uid, setpriv=require_tool("setpriv", "apt-get install util-linux"), no_new_privs=True)
        if os.geteuid() == 0
        else []
    )

    def start(
        args: list[str], *, workdir: Any = None, wait: bool = True, login: tuple[str, str] | None = None
    ) -> RedisProcess:
        username, password = login or ("dispatcher", PASSWORDS["dispatcher"])
        if workdir is None:
            workdir = make_workdir(uid if prefix else None)
            workdirs.append(workdir)
        log = tmp_path_factory.mktemp("variant") / "redis.log"
        if wait:
            process = start_redis(
                redis_server,
                args,
                user_prefix=prefix,
                workdir=workdir,
                log_path=log,
                username=username,
                password=password,
                pid_check=False,
            )
        else:
            port = free_port()
            with log.open("wb") as out:
                popen = subprocess.Popen(
                    [*prefix, redis_server, *args, "--bind", LOOPBACK, "--port", str(port)],
                    cwd=workdir,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            process = RedisProcess(popen, port, workdir, log, list(prefix))
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.stop()
        for workdir in workdirs:
            shutil.rmtree(workdir, ignore_errors=True)


def test_probe_fails_on_noperm(container: dict[str, Any], variant: Any) -> None:
    env = probe_env(container)
    server = variant(_with_dispatcher_rules(container, env, "-ping"), login=("agent", PASSWORDS["agent"]))
    assert raw_command(server.port, ["PING"], user="dispatcher", password=PASSWORDS["dispatcher"]).startswith("-NOPERM")
    assert run_probe(container["readinessProbe"]["exec"]["command"], server.port, env) != 0


def test_probe_fails_on_busy(container: dict[str, Any], variant: Any) -> None:
    env = probe_env(container)
    # Scripting is denied in every mode; this variant allows it to make the server BUSY.
    args = [*_with_dispatcher_rules(container, env, "+@scripting"), "--busy-reply-threshold", "10"]
    server = variant(args)
    login = {"user": "dispatcher", "password": PASSWORDS["dispatcher"]}
    endless = threading.Thread(
        target=raw_command, args=(server.port, ["EVAL", "while true do end", "0"]), kwargs=login, daemon=True
    )
    as_dispatcher = functools.partial(raw_command, user=login["user"], password=login["password"])
    endless.start()
    try:
        wait_until(lambda: as_dispatcher(server.port, ["PING"]).startswith("-BUSY"), timeout=10, what="BUSY")
        assert run_probe(container["livenessProbe"]["exec"]["command"], server.port, env) != 0
    finally:
        assert as_dispatcher(server.port, ["SCRIPT", "KILL"]) == "+OK"
        endless.join(timeout=10)
    assert run_probe(container["livenessProbe"]["exec"]["command"], server.port, env) == 0


def test_probe_fails_on_loading(container: dict[str, Any], variant: Any) -> None:
    env = probe_env(container)
    # Write a snapshot with a plain server, then start the role server on it with a
    # per-key load delay (key-load-delay, microseconds) so that it answers LOADING for seconds.
    seeder = variant(["--save", "", "--user", "dispatcher", "on", f">{PASSWORDS['dispatcher']}", "~*", "+@all"])
    with redis.Redis(host=LOOPBACK, port=seeder.port, username="dispatcher", password=PASSWORDS["dispatcher"]) as db:
        with db.pipeline(transaction=False) as pipe:
            for index in range(20_000):
                pipe.set(f"job:{index}", "x")
            pipe.execute()
        assert db.save() is True
    seeder.stop()
    args = [
        *container_args(container, env),
        "--key-load-delay",
        "100",
        "--loading-process-events-interval-bytes",
        "1024",
    ]
    loading = variant(args, workdir=seeder.workdir, wait=False)

    def answers_loading() -> bool:
        try:
            reply = raw_command(loading.port, ["PING"], user="dispatcher", password=PASSWORDS["dispatcher"])
            return reply.startswith("-LOADING")
        except OSError:
            return False

    wait_until(answers_loading, timeout=10, what="LOADING")
    assert run_probe(container["readinessProbe"]["exec"]["command"], loading.port, env) != 0
    assert answers_loading(), "the server finished loading during the probe: raise the key count"
    wait_until(lambda: not answers_loading(), timeout=60, what="the end of loading")
    assert run_probe(container["readinessProbe"]["exec"]["command"], loading.port, env) == 0
