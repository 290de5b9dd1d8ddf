"""Runtime: the password rotation procedures of docs/operations.md, "Rotating a password".

Redis reads passwords from its environment when it starts, and Kubernetes sets
the environment from the Secret only when a container starts: editing the
Secret changes nothing until Redis restarts. Both procedures restart Redis on
purpose, then the clients, and these tests follow them step by step against a
real redis-server: after each, the old password is refused, the new one is
accepted, and every client holds a password the server accepts.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pytest
import redis
from _support import require_redis_server, require_tool

from agentsmith import RedisAccess, RedisAuth, RedisRole
from testkit.redis_runtime import RedisProcess, client, raw_command, run_container, synth_container

pytestmark = pytest.mark.runtime

Secrets = dict[tuple[str, str], str]


@dataclass
class Client:
    """A client pod: it reads its URL from the Secret when it (re)starts, as Kubernetes env does."""

    secrets: Secrets
    ref: tuple[str, str]
    url: str = ""

    def __post_init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        self.url = self.secrets[self.ref]

    def ping(self, port: int) -> bool:
        """True if this client's credentials work (a new connection, as after a Redis restart)."""
        parts = urlsplit(self.url)
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password or "")
        try:
            with client(port, username=user, password=password) as connection:
                return connection.ping() is True
        except redis.AuthenticationError:
            return False


def url(user: str, password: str) -> str:
    return f"redis://{quote(user, safe='')}:{quote(password, safe='')}@redis:6379"


@contextmanager
def redis_running(
    container: dict[str, Any],
    values: Secrets,
    tmp_path_factory: pytest.TempPathFactory,
    *,
    user: str | None,
    password: str,
) -> Iterator[RedisProcess]:
    """Redis (re)started from ``container``, reading the Secret as it is now."""
    with run_container(
        container,
        dict(values),
        log_path=tmp_path_factory.mktemp("rotation") / "redis.log",
        redis_server=require_redis_server(container["image"]),
        username=user,
        password=password,
    ) as (server, _env):
        yield server


def test_rotation_in_roles_mode_without_a_refused_client(tmp_path_factory: pytest.TempPathFactory) -> None:
    require_tool("setpriv", "apt-get install util-linux")
    old, new = "old-" + secrets.token_urlsafe(16), "new-" + secrets.token_urlsafe(16)
    dispatcher_pw = secrets.token_urlsafe(16)
    store: Secrets = {
        ("redis-dispatcher", "redis-password"): dispatcher_pw,
        ("redis-dispatcher", "redis-url"): url("dispatcher", dispatcher_pw),
        ("redis-agent", "redis-password"): old,
        ("redis-agent", "redis-url"): url("agent", old),
    }
    dispatcher = RedisRole.dispatcher(secret_name="redis-dispatcher")
    login = {"user": "dispatcher", "password": dispatcher_pw}
    agents = [Client(store, ("redis-agent", "redis-url")) for _ in range(3)]

    # Before: one password.
    with redis_running(
        synth_container(access=RedisAccess.roles([dispatcher, RedisRole.agent(secret_name="redis-agent")])),
        store,
        tmp_path_factory,
        **login,
    ) as server:
        assert all(agent.ping(server.port) for agent in agents)

    # Step 1: keep the old password under redis-password-previous, write the new
    # password and URL, set previous_password_key; apply (Redis restarts with both).
    store[("redis-agent", "redis-password-previous")] = old
    store[("redis-agent", "redis-password")] = new
    store[("redis-agent", "redis-url")] = url("agent", new)
    both = RedisRole.agent(secret_name="redis-agent", previous_password_key="redis-password-previous")
    with redis_running(
        synth_container(access=RedisAccess.roles([dispatcher, both])), store, tmp_path_factory, **login
    ) as server:
        assert all(agent.ping(server.port) for agent in agents)  # still on the old URL, still accepted
        # Step 2: restart the agents (rollout restart / new Jobs): they read the new URL.
        for agent in agents:
            agent.restart()
            assert agent.ping(server.port)

    # Step 3: drop previous_password_key and the old key; apply (Redis restarts with the new one only).
    del store[("redis-agent", "redis-password-previous")]
    with redis_running(
        synth_container(access=RedisAccess.roles([dispatcher, RedisRole.agent(secret_name="redis-agent")])),
        store,
        tmp_path_factory,
        **login,
    ) as server:
        assert raw_command(server.port, ["PING"], user="agent", password=old).startswith("-WRONGPASS")
        assert raw_command(server.port, ["PING"], user="agent", password=new) == "+PONG"
        assert [agent.url for agent in agents] == [url("agent", new)] * 3
        assert all(agent.ping(server.port) for agent in agents)


def test_rotation_in_auth_mode(tmp_path_factory: pytest.TempPathFactory) -> None:
    require_tool("setpriv", "apt-get install util-linux")
    old, new = "old-" + secrets.token_urlsafe(16), "new-" + secrets.token_urlsafe(16)
    store: Secrets = {("redis-auth", "redis-password"): old, ("redis-auth", "redis-url"): url("default", old)}
    container = synth_container(access=RedisAccess.password(RedisAuth(secret_name="redis-auth")))
    clients = [Client(store, ("redis-auth", "redis-url")) for _ in range(2)]
    with redis_running(container, store, tmp_path_factory, user=None, password=old) as server:
        assert all(c.ping(server.port) for c in clients)
        # Editing the Secret alone changes nothing: Redis still has the old password.
        store[("redis-auth", "redis-password")] = new
        store[("redis-auth", "redis-url")] = url("default", new)
        assert raw_command(server.port, ["PING"], password=new).startswith("-WRONGPASS")
    # Step 2: restart Redis (kubectl rollout restart deployment/redis) ...
    with redis_running(container, store, tmp_path_factory, user=None, password=new) as server:
        assert raw_command(server.port, ["PING"], password=old).startswith("-WRONGPASS")
        assert not any(c.ping(server.port) for c in clients)  # the window this procedure has
        # Step 3: ... then the clients: they read the new URL.
        for c in clients:
            c.restart()
        assert all(c.ping(server.port) for c in clients)
        assert raw_command(server.port, ["PING"], password=new) == "+PONG"
