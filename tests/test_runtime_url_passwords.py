"""Runtime: URLs with hard passwords log in, built by ``agentsmith.redis_url`` and by the documented command.

GIVEN a real redis-server whose ``requirepass`` and ACL user ``agent`` get each password (``/``, ``+``,
``=``, ``@``, ``:``, ``%``, a space, base64 of 32 random bytes), WHEN redis-py's ``Redis.from_url`` and
ioredis connect with the URL ``redis_url`` writes, and with the ``redis-url`` key of the Secret that
docs/operations.md's command ("Passwords in connection URLs") makes (``kubectl --dry-run=client``), THEN
each logs in as the right user. ``-s`` prints the matrix.
"""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
import yaml
from _doc_blocks import PASSWORDS, blocks, kubectl, node
from _support import require_redis_server, require_tool

from agentsmith import redis_url
from testkit.redis_runtime import LOOPBACK, RedisProcess, make_workdir, start_redis

pytestmark = pytest.mark.runtime

PASSWORDS_TRIED = [
    "slash/in/it",
    "plus+in+it",
    "equals=in=it",
    "at@in@it",
    "colon:in:it",
    "percent%2Fin%it",
    "all /+=@:% of them?#[]",
    "bjLr/K1tDi7uHnQ+u0gZp8Nf/6HQ9W6c2g0z4P2iqjU=",  # openssl rand -base64 32, with '/', '+' and '='
    base64.b64encode(secrets.token_bytes(32)).decode(),
]

IOREDIS_LOGIN = """
const Redis = require("ioredis");
(async () => {
  const out = [];
  for (const url of JSON.parse(process.argv[1])) {
    const bus = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    bus.on("error", () => {});
    try {
      await bus.connect();
      out.push(await bus.acl("WHOAMI"));
    } catch (error) {
      out.push("ERROR " + error.message);
    }
    bus.disconnect();
  }
  console.log(JSON.stringify(out));
})();
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    redis_server = require_redis_server("redis:7")
    process = start_redis(
        redis_server, ["--save", "", "--appendonly", "no"], user_prefix=[], workdir=make_workdir(None),
        log_path=tmp_path_factory.mktemp("passwords") / "redis.log",
    )  # fmt: skip
    try:
        yield process
    finally:
        process.stop()


def whoami(url: str) -> str:
    try:
        with redis.Redis.from_url(url, socket_timeout=5, decode_responses=True) as bus:
            return str(bus.acl_whoami())
    except (redis.RedisError, ValueError) as error:
        return f"{type(error).__name__}: {error}"


def documented_secret_url(password: str, tmp_path: Path) -> str:
    """The ``redis-url`` of the Secret docs/operations.md's command creates for ``password`` (client-side dry run)."""
    (block,) = blocks(PASSWORDS, "bash")
    first, rest = block.split("\n", 1)
    assert first == 'PASSWORD="$(openssl rand -base64 32)"', first
    script = f'kubectl() {{ "$KUBECTL" "$@" --dry-run=client -o yaml; }}\n{rest}'
    require_tool("python3", "apt-get install python3")
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env={"PATH": "/usr/bin:/bin", "KUBECTL": kubectl(), "PASSWORD": password, "HOME": str(tmp_path)},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    secret = yaml.safe_load(result.stdout)
    assert base64.b64decode(secret["data"]["redis-password"]).decode() == password
    return base64.b64decode(secret["data"]["redis-url"]).decode()


def test_hard_passwords_log_in(server: RedisProcess, tmp_path: Path) -> None:
    rows = []
    admin = server.client()
    try:
        for password in PASSWORDS_TRIED:
            # GIVEN the server's password and the agent user's are this one
            admin.config_set("requirepass", password)
            admin.execute_command("ACL", "SETUSER", "agent", "reset", "on", f">{password}", "~*", "+@all")
            urls = {
                "default": redis_url(LOOPBACK, server.port, password=password),
                "agent": redis_url(LOOPBACK, server.port, username="agent", password=password),
            }
            # the documented command's URL points at "redis": the same userinfo, this server's address
            made = urlsplit(documented_secret_url(password, tmp_path))
            assert made.hostname == "redis" and made.password is not None
            urls["kubectl"] = urlunsplit(made._replace(netloc=f":{made.password}@{LOOPBACK}:{server.port}"))
            # WHEN redis-py and ioredis log in with each URL
            python = {name: whoami(url) for name, url in urls.items()}
            result = subprocess.run(
                [node(), "-e", IOREDIS_LOGIN, json.dumps(list(urls.values()))],
                capture_output=True, text=True, timeout=60, check=True,
            )  # fmt: skip
            javascript = dict(zip(urls, json.loads(result.stdout), strict=True))
            rows.append((password, python, javascript))
            # THEN each is the user it names
            expected = {"default": "default", "agent": "agent", "kubectl": "default"}
            assert (python, javascript) == (expected, expected), password
            # AND a wrong password is refused (the server really checks)
            assert "AuthenticationError" in whoami(redis_url(LOOPBACK, server.port, password=password + "x"))
            # AND the same password unencoded is what breaks redis-py, where it holds '/'
            if "/" in password:
                assert "ValueError" in whoami(f"redis://:{password}@{LOOPBACK}:{server.port}")
    finally:
        admin.config_set("requirepass", "")
        admin.close()
        print("\npassword | redis-py default, agent, kubectl-made URL | ioredis default, agent, kubectl-made URL")
        for password, python, javascript in rows:
            print(f"  {password!r} | {', '.join(python.values())} | {', '.join(javascript.values())}")
