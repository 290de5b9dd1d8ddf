"""Runtime permission matrix (issue 13, item 5): every mode and role on a real redis-server.

Each mode is synthesised (``EphemeralRedis`` with its props), its container's
args are expanded with the Secrets' values as the kubelet would, and a real
redis-server runs them as ``runAsUser`` on loopback. Every probe of
``tests/_permissions.py`` then runs on its own connection, as each identity.
``pytest tests/test_runtime_matrix.py -s`` prints the matrix as a Markdown table
(docs/security.md, "Least privilege on the bus").
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from _permissions import (
    ADMIN,
    AMPLIFIERS,
    BUS,
    HOSTILE,
    NAMES,
    OTHER_KEYS,
    Column,
    Results,
    allowed,
    known,
    render,
    run_column,
    summary,
    unknown_anywhere,
)
from _support import require_redis_server, require_tool

from agentsmith import RedisAccess, RedisAuth, RedisRole
from testkit.redis_runtime import refused, run_container, synth_container, unknown

pytestmark = pytest.mark.runtime

#: A password that breaks naive quoting: space, quotes, backslash, '$', '>'.
HOSTILE_PASSWORD = "p w\"'\\$(HOME)>" + secrets.token_urlsafe(12)
#: Disabled by redis-server's defaults (enable-debug-command, enable-module-command), guard or not.
DISABLED_BY_CONFIG = ["DEBUG", "MODULE LOAD"]


MODES: dict[str, tuple[dict[str, Any], dict[tuple[str, str], str], list[Column]]] = {
    "seed-unguarded": ({"access": RedisAccess.seed_exact()}, {}, [Column("seed_exact()", None, None)]),
    "seed": ({}, {}, [Column("seed (guard)", None, None)]),
    "auth": (
        {"access": RedisAccess.password(RedisAuth(secret_name="redis-auth"))},
        {("redis-auth", "redis-password"): HOSTILE_PASSWORD},
        [Column("auth, no password", None, None), Column("auth, password", None, HOSTILE_PASSWORD)],
    ),
    "roles": (
        {
            "access": RedisAccess.roles(
                [
                    RedisRole.dispatcher(secret_name="redis-dispatcher"),
                    RedisRole.agent(secret_name="redis-agent"),
                ]
            )
        },
        {
            ("redis-dispatcher", "redis-password"): "dispatcher-" + HOSTILE_PASSWORD,
            ("redis-agent", "redis-password"): "agent-pw",
        },
        [
            Column("roles, no login", None, None),
            Column("roles, default user", "default", "anything"),
            Column("roles, agent", "agent", "agent-pw"),
            Column("roles, dispatcher", "dispatcher", "dispatcher-" + HOSTILE_PASSWORD),
        ],
    ),
}


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Results]]:
    """``{column title: results}`` for every column of every mode, in MODES order."""
    require_tool("setpriv", "apt-get install util-linux")
    columns: dict[str, Results] = {}
    for mode, (props, secret_values, mode_columns) in MODES.items():
        container = synth_container(**props)
        redis_server = require_redis_server(container["image"])
        login = mode_columns[-1]  # the last column has the most rights: use it for the start-up check
        with run_container(
            container,
            secret_values,
            log_path=tmp_path_factory.mktemp(mode) / "redis.log",
            redis_server=redis_server,
            username=login.user,
            password=login.password,
        ) as (server, _env):
            for column in mode_columns:
                columns[column.title] = run_column(server.port, column)
    yield columns


def test_seed_without_guard_lets_any_client_run_admin_commands(matrix: dict[str, Results]) -> None:
    # The measurement the issue starts from: the seed's exact args.
    results = matrix["seed_exact()"]
    assert allowed(results, BUS) == known(results, BUS)
    assert allowed(results, OTHER_KEYS) == [p.label for p in OTHER_KEYS]
    assert allowed(results, AMPLIFIERS) == [p.label for p in AMPLIFIERS]
    assert allowed(results, HOSTILE) == known(results, HOSTILE)
    assert allowed(results, NAMES) == [p.label for p in NAMES]
    assert [p.label for p in ADMIN if p.label not in allowed(results, ADMIN)] == DISABLED_BY_CONFIG


@pytest.mark.parametrize("title", ["seed (guard)", "auth, password", "roles, dispatcher"])
def test_guarded_identities_run_the_bus_but_no_admin_command(matrix: dict[str, Results], title: str) -> None:
    results = matrix[title]
    assert allowed(results, BUS) == known(results, BUS), results
    assert allowed(results, OTHER_KEYS) == [p.label for p in OTHER_KEYS], results
    assert allowed(results, AMPLIFIERS) == [], results
    # The dispatcher (trusted) keeps the unbounded commands (MULTI, WATCH, walks); the guard's default user does not.
    assert allowed(results, HOSTILE) == (known(results, HOSTILE) if title == "roles, dispatcher" else []), results
    # They see every name anyway (their key pattern is *): PUBSUB NUMSUB and SELECT stay.
    assert allowed(results, NAMES) == [p.label for p in NAMES], results
    assert allowed(results, ADMIN) == [], results


def test_agent_runs_the_bus_on_its_pattern_only(matrix: dict[str, Results]) -> None:
    results = matrix["roles, agent"]
    assert allowed(results, BUS) == known(results, BUS), results
    assert allowed(results, OTHER_KEYS) == [], results
    assert allowed(results, AMPLIFIERS) == [], results
    assert allowed(results, HOSTILE) == [], results
    assert allowed(results, NAMES) == [], results
    assert allowed(results, ADMIN) == [], results
    assert results["XRANGE other"].startswith("-NOPERM"), results["XRANGE other"]


@pytest.mark.parametrize("title", ["auth, no password", "roles, no login", "roles, default user"])
def test_without_credentials_nothing_runs(matrix: dict[str, Results], title: str) -> None:
    results = matrix[title]
    assert [label for label, reply in results.items() if not (refused(reply) or unknown(reply))] == []


def test_only_client_setinfo_may_be_unknown(matrix: dict[str, Results]) -> None:
    # CLIENT SETINFO came with Redis 7.2; clients ignore the error on older servers.
    for title, results in matrix.items():
        probes = [*BUS, *OTHER_KEYS, *AMPLIFIERS, *HOSTILE, *NAMES, *ADMIN]
        assert set(results) - set(known(results, probes)) <= {"CLIENT SETINFO"}, title


def test_print_matrix(matrix: dict[str, Results]) -> None:
    # Run with -s to see it: the integrator quotes this table.
    table = render(list(matrix.items()))
    skip = unknown_anywhere(list(matrix.items()))
    print("\n" + "\n".join(summary(title, results, skip) for title, results in matrix.items()))
    print(table)
    lists = (BUS, OTHER_KEYS, AMPLIFIERS, HOSTILE, NAMES, ADMIN)
    assert table.count("\n") == sum(len(probes) for probes in lists) + len(lists) + 1
