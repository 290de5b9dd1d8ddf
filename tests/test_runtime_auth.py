"""Runtime contract, auth mode: the password reaches redis-server only through the environment.

Synthesises ``EphemeralRedis(access=RedisAccess.password(RedisAuth(...)))``, resolves the container's
environment as the kubelet would (the Secret's value for ``REDIS_PASSWORD``,
then ``$(VAR)`` references in env values and args), runs the container's args
on a real redis-server, and checks that the unchanged probe answers ``PONG``
through ``REDISCLI_AUTH`` while a client without the password gets ``NOAUTH``.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import cdk8s
import pytest
import redis
from _support import require_redis_server, require_tool

from agentsmith import EphemeralRedis, RedisAccess, RedisAuth
from testkit.manifests import the_container
from testkit.redis_runtime import RedisProcess, client, container_env, k8s_expand, point_probe, run_container, run_probe

pytestmark = pytest.mark.runtime


def test_expand_follows_kubernetes_rules() -> None:
    env = {"A": "1"}
    assert k8s_expand("$(A)-$(B)-$$(A)", env) == "1-$(B)-$(A)"


@pytest.fixture(scope="module")
def auth_container(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = cdk8s.App(outdir=str(tmp_path_factory.mktemp("auth") / "out"))
    chart = cdk8s.Chart(app, "auth", namespace="agentsmith", disable_resource_name_hashes=True)
    EphemeralRedis(chart, "redis", access=RedisAccess.password(RedisAuth(secret_name="redis-auth")))
    (deployment,) = [o for o in cdk8s.Testing.synth(chart) if o["kind"] == "Deployment"]
    container = the_container(deployment)
    return dict(container)


@pytest.fixture(scope="module")
def password() -> str:
    return secrets.token_urlsafe(24)


@pytest.fixture(scope="module")
def resolved_env(auth_container: dict[str, Any], password: str) -> dict[str, str]:
    """The container's environment as the kubelet builds it, with the Secret holding ``password``."""
    return container_env(auth_container, {("redis-auth", "redis-password"): password})


@pytest.fixture(scope="module")
def auth_server(
    auth_container: dict[str, Any], password: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RedisProcess]:
    """The container's args on a real redis-server, as its runAsUser (testkit/redis_runtime.py)."""
    with run_container(
        auth_container,
        {("redis-auth", "redis-password"): password},
        log_path=tmp_path_factory.mktemp("auth-log") / "redis.log",
        redis_server=require_redis_server(auth_container["image"]),
        password=password,
    ) as (server, _env):
        yield server


def test_manifest_holds_only_a_reference_to_the_password(auth_container: dict[str, Any]) -> None:
    # The command guard's 'user default' line carries the password (it would replace --requirepass).
    assert auth_container["args"][6:10] == ["--user", "default", "on", ">$(REDIS_PASSWORD)"]
    assert "--requirepass" not in auth_container["args"]
    assert [variable.get("value") for variable in auth_container["env"]] == [None, "$(REDIS_PASSWORD)"]


@pytest.mark.parametrize("probe", ["livenessProbe", "readinessProbe"])
def test_probe_answers_pong_with_the_password_from_the_environment(
    auth_container: dict[str, Any], auth_server: RedisProcess, resolved_env: dict[str, str], probe: str
) -> None:
    require_tool("redis-cli", "apt-get install redis-server")
    pointed = point_probe(auth_container[probe]["exec"]["command"], auth_server.port)
    result = subprocess.run(
        [*auth_server.user_prefix, *pointed],
        capture_output=True,
        text=True,
        timeout=auth_container[probe]["timeoutSeconds"],
        env={"PATH": os.environ["PATH"], **resolved_env},
    )
    assert result.returncode == 0, result.stderr


def test_probe_without_the_environment_fails(auth_container: dict[str, Any], auth_server: RedisProcess) -> None:
    command = auth_container["readinessProbe"]["exec"]["command"]
    # The server answers NOAUTH, and the bare `redis-cli ping` would still exit 0 ...
    bare = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", str(auth_server.port), "ping"],
        capture_output=True,
        text=True,
        timeout=5,
        env={"PATH": os.environ["PATH"]},
    )
    assert (bare.returncode, bare.stdout.split()[0]) == (0, "NOAUTH")
    # ... while the synthesised probe fails.
    assert run_probe(command, auth_server.port, {}) != 0


def test_client_without_password_gets_noauth(auth_server: RedisProcess) -> None:
    # On the wire: a client that does not authenticate gets the NOAUTH error to its first command.
    with socket.create_connection(("127.0.0.1", auth_server.port), timeout=5) as connection:
        connection.sendall(b"*1\r\n$4\r\nPING\r\n")
        assert connection.recv(128).startswith(b"-NOAUTH ")
    # redis-py (RESP2) maps that reply to AuthenticationError.
    anonymous = redis.Redis(host="127.0.0.1", port=auth_server.port, protocol=2, socket_timeout=5)
    with anonymous, pytest.raises(redis.exceptions.AuthenticationError, match="Authentication required"):
        anonymous.ping()


def test_client_with_password_works(auth_server: RedisProcess, password: str) -> None:
    with client(auth_server.port, password=password) as dispatcher:
        assert dispatcher.set("job:1", "queued") is True
        assert dispatcher.get("job:1") == "queued"
