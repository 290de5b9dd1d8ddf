"""RedisRole: pinned names, and one exact error per bad field (checked before any API object)."""

from __future__ import annotations

import inspect
from typing import Any

import cdk8s
import pytest
from _bad_props import BadChart, BadInput, bad
from _support import assert_config_error, in_memory_app

from agentsmith import EphemeralRedis, RedisAccess, RedisAuth, RedisMetrics, RedisRole, SecretKeyRef

D = RedisRole.dispatcher(secret_name="redis-dispatcher")
A = RedisRole.agent(secret_name="redis-agent")
NAME_RULE = (
    "must be 1-32 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, "
    "and not 'default' (the user roles mode turns off)"
)
NAME_FIX = "Use e.g. 'dispatcher' or 'agent'."
PATTERN_RULE = "must be a Redis glob of 1-256 printable ASCII characters without spaces or '$'"
PATTERN_FIX = "Use e.g. 'job:*'."
ROLES_RULE = "must be a non-empty sequence of agentsmith.RedisRole"
ROLES_FIX = "Pass RedisAccess.roles([RedisRole.dispatcher(secret_name=...), RedisRole.agent(secret_name=...)])."
SECRET_KEY = "must be a Secret key: letters, digits, '-', '_' and '.', at most 253 characters"


def test_factories_and_derived_names_are_pinned() -> None:
    assert (D.name, D.access, D.key_pattern, D.password_key, D.url_key) == (
        "dispatcher",
        "dispatcher",
        "*",
        "redis-password",
        "redis-url",
    )
    assert (A.name, A.access, A.key_pattern) == ("agent", "agent", "job:*")
    assert A.password_env == "REDIS_AGENT_PASSWORD"
    assert A.previous_password_env == "REDIS_AGENT_PREVIOUS_PASSWORD"
    assert RedisRole.agent(secret_name="s", name="code-agent").password_env == "REDIS_CODE_AGENT_PASSWORD"
    assert A.connection == SecretKeyRef(name="redis-agent", key="redis-url")


def test_role_is_frozen_and_keyword_only() -> None:
    with pytest.raises(TypeError):
        RedisRole("agent", "agent", "s")  # type: ignore[call-arg]
    with pytest.raises(AttributeError):
        A.name = "other"  # type: ignore[misc]


BAD: list[Any] = [
    pytest.param({"roles": []}, "access.roles", (), ROLES_RULE, ROLES_FIX, id="empty"),
    pytest.param({"roles": A}, "access.roles", A, ROLES_RULE, ROLES_FIX, id="not-a-sequence"),
    pytest.param(
        {"roles": ["agent"]},
        "access.roles[0]",
        "agent",
        "must be an agentsmith.RedisRole",
        "Use RedisRole.agent(secret_name=...).",
        id="string-role",
    ),
    pytest.param(
        {"roles": [RedisRole.agent(secret_name="s", name="default")]},
        "access.roles[0].name",
        "default",
        NAME_RULE,
        NAME_FIX,
        id="default-user",
    ),
    pytest.param(
        {"roles": [RedisRole.agent(secret_name="s", name="Agent")]},
        "access.roles[0].name",
        "Agent",
        NAME_RULE,
        NAME_FIX,
        id="uppercase-name",
    ),
    pytest.param(
        {"roles": [RedisRole(name="x", access="admin", secret_name="s")]},  # type: ignore[arg-type]
        "access.roles[0].access",
        "admin",
        "must be 'dispatcher' or 'agent'",
        "Build roles with RedisRole.dispatcher(...) or RedisRole.agent(...).",
        id="access",
    ),
    pytest.param(
        {"roles": [D, RedisRole.agent(secret_name="s", name="dispatcher")]},
        "access.roles[1].name",
        "dispatcher",
        "is used by two roles",
        "Give each role its own name.",
        id="duplicate-name",
    ),
    pytest.param(
        {
            "roles": [
                RedisRole.dispatcher(secret_name="d", name="ops", previous_password_key="old-password"),
                RedisRole.agent(secret_name="a", name="ops-previous"),
            ]
        },
        "access.roles[1].name",
        "ops-previous",
        "gives the container variable 'REDIS_OPS_PREVIOUS_PASSWORD', which role 'ops' already uses",
        "Rename one of the two roles.",
        id="clashing-password-variables",
    ),
    pytest.param(
        {"roles": [D, RedisRole.agent(secret_name="redis-dispatcher")]},
        "access.roles[1].url_key",
        "redis-url",
        "is already used by another role in Secret 'redis-dispatcher'",
        "Give each role its own Secret (or its own keys).",
        id="shared-secret-key",
    ),
    pytest.param(
        {"roles": [RedisRole.agent(secret_name="s", key_pattern="job:$(HOME)")]},
        "access.roles[0].key_pattern",
        "job:$(HOME)",
        PATTERN_RULE,
        PATTERN_FIX,
        id="pattern-dollar",
    ),
    pytest.param(
        {"roles": [RedisRole.agent(secret_name="s", key_pattern="job *")]},
        "access.roles[0].key_pattern",
        "job *",
        PATTERN_RULE,
        PATTERN_FIX,
        id="pattern-space",
    ),
    pytest.param(
        {"roles": [RedisRole.agent(secret_name="s", key_pattern="")]},
        "access.roles[0].key_pattern",
        "",
        PATTERN_RULE,
        PATTERN_FIX,
        id="pattern-empty",
    ),
    pytest.param(
        {"roles": [RedisRole.agent(secret_name="Bad_Secret")]},
        "access.roles[0].secret_name",
        "Bad_Secret",
        "must be a DNS subdomain: lowercase letters, digits, '-' and '.', at most 253 characters",
        "Did you mean 'bad-secret'?",
        id="secret-name",
    ),
    pytest.param(
        {"roles": [RedisRole.agent(secret_name="s", password_key="a/b")]},
        "access.roles[0].password_key",
        "a/b",
        SECRET_KEY,
        "Use a key such as 'redis-url'.",
        id="password-key",
    ),
    pytest.param(
        {"roles": [RedisRole.agent(secret_name="s", previous_password_key="redis-password")]},
        "access.roles[0].previous_password_key",
        "redis-password",
        "must differ from 'password_key'",
        "Keep the old password under its own key, e.g. 'redis-password-previous'.",
        id="previous-is-current",
    ),
    pytest.param(
        {"roles": [RedisRole.agent(secret_name="s", url_key="redis-password")]},
        "access.roles[0].url_key",
        "redis-password",
        "must differ from the password keys",
        "Use e.g. url_key='redis-url' and password_key='redis-password'.",
        id="url-is-password",
    ),
]


def test_invalid_combinations_cannot_be_expressed() -> None:
    # roles with a password, without the guard or with a published Secret: no factory takes them
    for factory, absent in (
        (RedisAccess.roles, {"auth", "command_guard", "connection_secret", "publish_connection_secret"}),
        (RedisAccess.password, {"roles", "connection_secret", "publish_connection_secret", "strict_readiness"}),
        (RedisAccess.seed_exact, {"auth", "roles", "max_clients", "strict_readiness"}),
    ):
        assert not absent & set(inspect.signature(factory).parameters), factory
    with pytest.raises(TypeError, match="Build a RedisAccess with a factory"):
        RedisAccess()
    with pytest.raises(TypeError):
        RedisAccess.roles([A], auth=RedisAuth(secret_name="a"))  # type: ignore[call-arg]


@pytest.mark.parametrize(("kwargs", "prop", "value", "rule", "fix"), BAD)
def test_bad_roles_raise_one_exact_error_before_any_api_object(
    kwargs: dict[str, Any], prop: str, value: object, rule: str, fix: str
) -> None:
    chart = cdk8s.Chart(in_memory_app(), "test", namespace="agentsmith", disable_resource_name_hashes=True)
    assert_config_error(
        lambda: EphemeralRedis(chart, "redis", access=RedisAccess.roles(kwargs["roles"])),
        prop=prop,
        value=value,
        path="test/redis",
        message=f"[test/redis] '{prop}' {rule} (got {value!r}). {fix}",
    )
    assert cdk8s.Testing.synth(chart) == []


def test_a_guard_that_is_not_a_bool_is_refused() -> None:
    chart = cdk8s.Chart(in_memory_app(), "test", namespace="agentsmith", disable_resource_name_hashes=True)
    access = RedisAccess.password(RedisAuth(secret_name="a"), command_guard="no")  # type: ignore[arg-type]
    assert_config_error(
        lambda: EphemeralRedis(chart, "redis", access=access),
        message="[test/redis] 'access.command_guard' must be True or False (got 'no'). "
        "Use RedisAccess.password(auth, command_guard=False), or leave it out (True).",
    )
    assert cdk8s.Testing.synth(chart) == []


# -- Bad props: one exact error each, before any API object (tests/_bad_props.py) --------

BAD_PROPS = [
    bad(
        "metrics-role-named-metrics",
        "redis",
        "access.roles[0].name",
        "metrics",
        "cannot be 'metrics' with metrics=RedisMetrics(...): the exporter's ACL user has that name",
        "Rename the role.",
        metrics=RedisMetrics(password=SecretKeyRef(name="m", key="p")),
        access=RedisAccess.roles([RedisRole.agent(secret_name="agent", name="metrics")]),
    ),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)
