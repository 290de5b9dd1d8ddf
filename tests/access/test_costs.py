"""The cost table (agentsmith/_costs.py) against the commands of Redis 7.0, 7.2 and 7.4.

The command facts are extracted from redis/redis ``src/commands/*.json`` at each tag
(``tests/data/redis-commands.json``); ``tests/test_runtime_costs.py`` checks the same table
and the rules against the redis-server the tests run (``COMMAND INFO``, ``ACL DRYRUN``).
"""

from __future__ import annotations

import pytest

from agentsmith.access import acl as _acl
from agentsmith.access.costs import BOUNDED, COSTS, DENIED_TO_EVERY_CATEGORY, Cost, bounded, names_of
from testkit.acl import VERSIONS, allowed, commands, known, rule_names

#: Commands a guarded user runs although their category is denied (INFO: ioredis's ready check).
ALLOWED_BACK = {"info"}
USERS = {
    "guard": _acl.GUARD_COMMANDS,
    "agent": _acl.AGENT_COMMANDS,
}


def unclassified(version: str) -> list[str]:
    return sorted(
        name
        for name, facts in commands(version).items()
        if name not in COSTS and not set(facts["acl_categories"]) & set(DENIED_TO_EVERY_CATEGORY)
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_every_command_a_redis_version_has_is_classified(version: str) -> None:
    # A command a later Redis adds fails here until the table says what bounds it.
    assert unclassified(version) == []


def test_the_table_names_only_commands_redis_has() -> None:
    every = {name for version in VERSIONS for name in commands(version)}
    assert sorted(set(COSTS) - every) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_classified_commands_are_outside_the_categories_denied_to_everyone(version: str) -> None:
    denied = set(DENIED_TO_EVERY_CATEGORY)
    assert [n for n in COSTS if n in commands(version) and denied & set(commands(version)[n]["acl_categories"])] == []


@pytest.mark.parametrize("user", sorted(USERS))
@pytest.mark.parametrize("version", VERSIONS)
def test_rule_names_exist_in_every_version(user: str, version: str) -> None:
    # redis-server refuses to start on a rule naming a command it does not have, and the image
    # tag redis:7-alpine moves: every name must be known from 7.0 on.
    rules = (*USERS[user], *_acl.DISPATCHER_COMMANDS)
    assert [name for name in rule_names(rules) if not known(version, name)] == []


@pytest.mark.parametrize("user", sorted(USERS))
@pytest.mark.parametrize("version", VERSIONS)
def test_guarded_users_run_only_bounded_commands(user: str, version: str) -> None:
    runs = allowed(USERS[user], version)
    assert sorted(name for name in runs if not bounded(name) and name not in ALLOWED_BACK) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_every_unbounded_command_is_denied_to_the_guard_and_the_agent(version: str) -> None:
    unbounded = {name for name, cost in COSTS.items() if cost not in BOUNDED and name in commands(version)}
    for user in USERS:
        assert sorted(unbounded & allowed(USERS[user], version)) == [], user


@pytest.mark.parametrize("version", VERSIONS)
def test_the_guard_keeps_what_a_bus_client_runs(version: str) -> None:
    # The bound classes stay open to the guard: every ARGS, VALUE, REPLY and PENDING command
    # of the version, except CLIENT subcommands a later Redis added (kept denied until classified).
    runs = allowed(_acl.GUARD_COMMANDS, version)
    kept = {name for name in commands(version) if COSTS.get(name) in BOUNDED} - runs
    assert sorted(kept) == sorted(name for name in ("client|no-touch", "client|setinfo") if name in commands(version))


@pytest.mark.parametrize("version", VERSIONS)
def test_the_dispatcher_keeps_the_unbounded_but_not_the_amplifiers(version: str) -> None:
    runs = allowed(_acl.DISPATCHER_COMMANDS, version)
    present = commands(version)
    assert {n for n in names_of(Cost.WALK, Cost.COUNT, Cost.QUEUE, Cost.RETAIN, Cost.SWITCH) if n in present} <= runs
    assert runs.isdisjoint(names_of(Cost.GROWTH))


def test_the_agent_runs_the_bus_commands() -> None:
    runs = allowed(_acl.AGENT_COMMANDS, "7.0.15")
    bus = {
        "xadd", "xreadgroup", "xack", "xautoclaim", "xrange", "xread", "xgroup|create", "get", "set", "hset",
        "expire", "del", "publish", "subscribe", "ping", "auth", "hello", "client|setname", "lpush", "brpop",
    }  # fmt: skip
    assert sorted(bus - runs) == []
    assert sorted({"multi", "exec", "watch", "scan", "hrandfield", "client|reply", "lpos"} & runs) == []


def test_seven_four_hash_field_expiry_reaches_the_agent_as_bounded() -> None:
    added = {"hexpire", "hpexpire", "hexpireat", "hpexpireat", "httl", "hpttl", "hexpiretime", "hpexpiretime"}
    assert {COSTS[name] for name in added} == {Cost.ARGS}
    assert added <= allowed(_acl.AGENT_COMMANDS, "7.4.1")
