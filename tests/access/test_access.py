"""RedisAccess: each factory's fields and redis-server args, the default, and a repr that rebuilds the value."""

from __future__ import annotations

import dataclasses
import inspect
import re
from typing import Any, get_args

import cdk8s
import pytest
from _bad_props import BadChart, BadInput, bad
from _support import SynthChart, SynthRedis, assert_config_error, in_memory_app

import agentsmith
from agentsmith import (
    DEFAULT_ACCESS,
    DEFAULT_MAX_CLIENTS,
    AccessMode,
    EphemeralRedis,
    RedisAccess,
    RedisAuth,
    RedisFilesystem,
    RedisNetwork,
    RedisRole,
    SecretKeyRef,
)
from testkit.manifests import the_container

AUTH = RedisAuth(secret_name="redis-auth")
ROLES = (RedisRole.dispatcher(secret_name="d"), RedisRole.agent(secret_name="a"))
VALUES = [
    pytest.param(RedisAccess.open(), id="open"),
    pytest.param(
        RedisAccess.open(
            max_clients=50,
            strict_readiness=True,
            connection_secret=SecretKeyRef(name="c", key="u"),
            publish_connection_secret=False,
        ),
        id="open-all-args",
    ),
    pytest.param(RedisAccess.seed_exact(), id="seed-exact"),
    pytest.param(RedisAccess.seed_exact(publish_connection_secret=False), id="seed-exact-unpublished"),
    pytest.param(RedisAccess.password(AUTH), id="password"),
    pytest.param(RedisAccess.password(AUTH, command_guard=False), id="password-unguarded"),
    pytest.param(RedisAccess.password(AUTH, max_clients=7), id="password-max-clients"),
    pytest.param(RedisAccess.roles(ROLES), id="roles"),
    pytest.param(RedisAccess.roles(list(ROLES), max_clients=9), id="roles-list-max-clients"),
]


def container(synth_redis: SynthRedis, access: RedisAccess) -> dict[str, Any]:
    (deployment,) = [o for o in synth_redis(access=access) if o["kind"] == "Deployment"]
    return the_container(deployment)


def test_the_default_is_open_with_the_guard() -> None:
    assert DEFAULT_ACCESS == RedisAccess.open()
    assert (
        DEFAULT_ACCESS.auth,
        DEFAULT_ACCESS.acl_roles,
        DEFAULT_ACCESS.command_guard,
        DEFAULT_ACCESS.max_clients,
        DEFAULT_ACCESS.strict_readiness,
        DEFAULT_ACCESS.connection_secret,
        DEFAULT_ACCESS.publish_connection_secret,
    ) == (None, None, True, DEFAULT_MAX_CLIENTS, False, None, True)
    assert DEFAULT_MAX_CLIENTS == 10000


def test_each_factory_sets_its_mode_and_nothing_else() -> None:
    seed = RedisAccess.seed_exact()
    assert (seed.command_guard, seed.max_clients, seed.strict_readiness, seed.publish_connection_secret) == (
        False,
        None,
        False,
        True,
    )
    password = RedisAccess.password(AUTH)
    assert (password.auth, password.command_guard, password.max_clients, password.strict_readiness) == (
        AUTH,
        True,
        DEFAULT_MAX_CLIENTS,
        True,
    )
    assert (password.connection_secret, password.publish_connection_secret) == (None, False)
    unguarded = RedisAccess.password(AUTH, command_guard=False)
    assert (unguarded.command_guard, unguarded.max_clients) == (False, None)
    roles = RedisAccess.roles(list(ROLES))
    assert (roles.acl_roles, roles.auth, roles.command_guard, roles.publish_connection_secret) == (
        ROLES,
        None,
        True,
        False,
    )


@pytest.mark.parametrize("value", VALUES)
def test_repr_is_the_factory_call_that_rebuilds_the_value(value: RedisAccess) -> None:
    rebuilt = eval(repr(value), vars(agentsmith))
    assert rebuilt == value
    assert hash(rebuilt) == hash(value)
    assert repr(value).startswith("RedisAccess.")


def test_mode_names_the_factory() -> None:
    assert [RedisAccess.open().mode, RedisAccess.seed_exact().mode] == ["open", "seed_exact"]
    assert [RedisAccess.password(AUTH).mode, RedisAccess.roles(ROLES).mode] == ["password", "roles"]
    assert get_args(AccessMode) == ("open", "seed_exact", "password", "roles")


@pytest.mark.parametrize(
    ("access", "prop", "rule"),
    [
        (RedisAccess.password(None), "access.auth", "must be an agentsmith.RedisAuth"),  # type: ignore[arg-type]
        (RedisAccess.password("redis-auth"), "access.auth", "must be an agentsmith.RedisAuth"),  # type: ignore[arg-type]
        (RedisAccess.roles(None), "access.roles", "must be a non-empty sequence of agentsmith.RedisRole"),  # type: ignore[arg-type]
        (RedisAccess.roles([]), "access.roles", "must be a non-empty sequence of agentsmith.RedisRole"),
        (RedisAccess.open(max_clients="100"), "access.max_clients", "must be an integer, not a str"),  # type: ignore[arg-type]
        (RedisAccess.open(strict_readiness=1), "access.strict_readiness", "must be True or False"),  # type: ignore[arg-type]
        (RedisAccess.open(connection_secret="s"), "access.connection_secret", "must be an agentsmith.SecretKeyRef"),  # type: ignore[arg-type]
    ],
    ids=[
        "password-none",
        "password-a-name",
        "roles-none",
        "roles-empty",
        "max-clients-str",
        "strict-int",
        "secret-str",
    ],
)
def test_a_factory_given_the_wrong_type_is_refused_by_the_construct(
    synth_chart: SynthChart, access: RedisAccess, prop: str, rule: str
) -> None:
    assert_config_error(
        lambda: synth_chart(lambda chart: EphemeralRedis(chart, "redis", access=access)),
        prop=prop,
        match=re.escape(rule),
    )


def test_value_is_frozen_and_built_only_by_factories() -> None:
    with pytest.raises(TypeError, match=r"Build a RedisAccess with a factory: RedisAccess\.open\(\), "):
        RedisAccess()
    with pytest.raises(AttributeError):
        DEFAULT_ACCESS.command_guard = False  # type: ignore[misc]


def test_the_construct_exposes_the_access_it_was_given(synth_chart: SynthChart) -> None:
    made: list[EphemeralRedis] = []
    access = RedisAccess.password(AUTH)
    synth_chart(lambda chart: made.append(EphemeralRedis(chart, "redis", access=access)))
    assert made[0].access is access
    assert made[0].connection == SecretKeyRef(name="redis-auth", key="redis-url")


def test_each_mode_adds_its_own_args_after_the_seed_args(synth_redis: SynthRedis) -> None:
    seed_args = ["--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru", "--save", ""]
    by_mode = {
        name: container(synth_redis, access)["args"]
        for name, access in (
            ("open", RedisAccess.open()),
            ("seed", RedisAccess.seed_exact()),
            ("password", RedisAccess.password(AUTH)),
            ("requirepass", RedisAccess.password(AUTH, command_guard=False)),
            ("roles", RedisAccess.roles(ROLES)),
        )
    }
    assert all(args[:6] == seed_args for args in by_mode.values())
    assert by_mode["seed"] == seed_args
    assert by_mode["requirepass"] == [*seed_args, "--requirepass", "$(REDIS_PASSWORD)"]
    assert by_mode["open"][6:11] == ["--protected-mode", "no", "--user", "default", "on"]
    assert by_mode["password"][6:10] == ["--user", "default", "on", ">$(REDIS_PASSWORD)"]
    assert by_mode["roles"][6:9] == ["--user", "default", "off"]
    guarded = ("open", "password", "roles")
    assert all(by_mode[name][-2:] == ["--maxclients", "10000"] for name in guarded)
    assert not any("--maxclients" in by_mode[name] for name in ("seed", "requirepass"))


def test_an_unknown_prop_is_pythons_type_error_and_leaves_nothing() -> None:
    # GIVEN a keyword EphemeralRedis does not take WHEN it is passed THEN Python's TypeError names it
    assert "auth" not in inspect.signature(EphemeralRedis).parameters
    chart = cdk8s.Chart(in_memory_app(), "test", namespace="agentsmith")
    with pytest.raises(TypeError, match="unexpected keyword argument 'auth'"):
        EphemeralRedis(chart, "redis", auth=None)  # type: ignore[call-arg]
    # AND the id is free again: the half-built construct is gone and the chart holds nothing
    assert chart.node.try_find_child("redis") is None
    assert cdk8s.Testing.synth(chart) == []


def test_replace_points_to_the_factories() -> None:
    for value in (RedisAccess.open(), RedisFilesystem.writable(), RedisNetwork.unmanaged()):
        with pytest.raises(TypeError, match="with a factory"):
            dataclasses.replace(value)


# -- Bad props: one exact error each, before any API object (tests/_bad_props.py) --------

MAXCLIENTS_FIX = "Use the number of clients you expect plus 2 for the probes, e.g. 10000."

BAD_PROPS = [
    # -- 'max_clients': the probes plus one client, up to fs.nr_open minus Redis's 32 -------
    bad(
        "max-clients-two",
        "redis",
        "access.max_clients",
        2,
        "must be at least 3",
        MAXCLIENTS_FIX,
        access=RedisAccess.open(max_clients=2),
    ),
    bad(
        "max-clients-bool",
        "redis",
        "access.max_clients",
        True,
        "must be an integer, not a bool",
        MAXCLIENTS_FIX,
        access=RedisAccess.open(max_clients=True),
    ),
    bad(
        "max-clients-above-nr-open",
        "redis",
        "access.max_clients",
        1048545,
        "must be at most 1048544 (Linux's open-file ceiling, fs.nr_open, minus Redis's 32)",
        MAXCLIENTS_FIX,
        access=RedisAccess.open(max_clients=1048545),
    ),
    bad(
        "max-clients-with-a-password",
        "redis",
        "access.max_clients",
        0,
        "must be at least 3",
        MAXCLIENTS_FIX,
        access=RedisAccess.password(RedisAuth(secret_name="s"), max_clients=0),
    ),
    bad(
        "max-clients-none-with-the-guard",
        "redis",
        "access.max_clients",
        None,
        "must be an integer, not a NoneType",
        MAXCLIENTS_FIX,
        access=RedisAccess.open(max_clients=None),  # type: ignore[arg-type]
    ),
    bad(
        "max-clients-without-the-guard",
        "redis",
        "access.max_clients",
        5,
        "applies only with the command guard (--maxclients is one of its bounds)",
        "Drop max_clients, or keep command_guard=True.",
        access=RedisAccess.password(RedisAuth(secret_name="s"), command_guard=False, max_clients=5),
    ),
    bad(
        "strict-readiness-a-string",
        "redis",
        "access.strict_readiness",
        "false",
        "must be True or False",
        "Use RedisAccess.open(strict_readiness=True), or leave it out (False).",
        access=RedisAccess.open(strict_readiness="false"),  # type: ignore[arg-type]
    ),
    bad(
        "access-a-role",
        "redis",
        "access",
        RedisRole.agent(secret_name="s"),
        "must be an agentsmith.RedisAccess",
        "Use RedisAccess.open(), RedisAccess.seed_exact(), RedisAccess.password(auth) or RedisAccess.roles([...]).",
    ),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)
