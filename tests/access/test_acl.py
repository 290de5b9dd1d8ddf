"""The command guard and the roles' ACL lines, as synthesised (issue 13). Runtime: test_runtime_*.py."""

from __future__ import annotations

from typing import Any

from _support import SynthChart, SynthRedis, assert_config_error

from agentsmith import EphemeralRedis, RedisAccess, RedisAuth, RedisRole, redis_url_env
from agentsmith.access.acl import AGENT_COMMANDS, GUARD_COMMANDS
from testkit.manifests import the_container

SEED_ARGS = ["--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru", "--save", ""]
#: Memory amplifiers, denied to every user (docs/security.md, "Memory abuse by clients").
AMPLIFIERS = [
    "-setrange", "-setbit", "-bitfield", "-bitop", "-copy",
    "-sunionstore", "-sinterstore", "-sdiffstore",
    "-zunionstore", "-zinterstore", "-zdiffstore", "-zrangestore",
    "-georadius", "-georadiusbymember", "-geosearchstore",
]  # fmt: skip
#: Unbounded commands, denied to the guard and the agent role (agentsmith/_costs.py; docs/security.md,
#: "What bounds each command"): walks, the random-member family, MULTI/EXEC, WATCH, then CLIENT except
#: the bounded subcommands of Redis 7.0.
UNBOUNDED = [
    "-scan", "-hscan", "-sscan", "-zscan", "-lcs", "-lpos", "-lrem", "-linsert", "-lset",
    "-sdiff", "-sinter", "-sintercard", "-zdiff", "-zinter", "-zintercard", "-zunion",
    "-zrange", "-zrangebylex", "-zrangebyscore", "-zrevrangebylex", "-zrevrangebyscore",
    "-zremrangebylex", "-zremrangebyrank", "-zremrangebyscore", "-geosearch", "-georadius_ro", "-georadiusbymember_ro",
    "-hrandfield", "-srandmember", "-zrandmember", "-multi", "-exec", "-discard",
    "-memory|usage", "-memory|purge", "-pubsub|channels", "-pubsub|shardchannels", "-watch",
    "-client", "+client|caching", "+client|getname", "+client|getredir", "+client|help", "+client|id",
    "+client|info", "+client|setname", "+client|trackinginfo",
]  # fmt: skip
GUARD = ["+@all", "-@scripting", "-@admin", "-@dangerous", *AMPLIFIERS, *UNBOUNDED, "+info"]
DISPATCHER = ["+@all", "-@scripting", "-@admin", "-@dangerous", *AMPLIFIERS, "+info"]
#: Client memory bounds after every guarded mode's args (default sizing: 512Mi - 256mb x 29/16 = 48mb for clients).
LIMITS = [
    "--proto-max-bulk-len", "8mb",
    "--client-query-buffer-limit", "16mb",
    "--maxmemory-clients", "48mb",
    "--client-output-buffer-limit", "normal", "24mb", "6mb", "60", "pubsub", "24mb", "6mb", "60",
    "--maxclients", "10000",
]  # fmt: skip
#: With a password (or RedisAccess.open(strict_readiness=True)), readiness passes only on PONG
#: (a full connection table is not Ready).
READY = ["sh", "-c", '[ "$(redis-cli ping)" = PONG ]']
#: With a password, liveness passes on PONG or on Redis's own maxclients refusal (it is alive).
ALIVE = ["sh", "-c", 'case "$(redis-cli ping 2>&1)" in PONG|*"max number of clients reached"*) exit 0;; esac; exit 1']


def container(synth_redis: SynthRedis, **props: Any) -> dict[str, Any]:
    objects = synth_redis(**props)
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    only = the_container(deployment)
    return dict(only)


def test_guard_is_on_by_default_after_the_seed_args(synth_redis: SynthRedis) -> None:
    spec = container(synth_redis)
    # the seed's args, protected mode off (no password: other pods must reach it), then the guard
    assert spec["args"] == [
        *SEED_ARGS,
        "--protected-mode",
        "no",
        "--user",
        "default",
        "on",
        "nopass",
        "~*",
        "&*",
        *GUARD,
        *LIMITS,
    ]
    # both probes: the seed's, unchanged (a seed value; any reply passes)
    assert spec["livenessProbe"]["exec"]["command"] == ["redis-cli", "ping"]
    assert spec["readinessProbe"]["exec"]["command"] == ["redis-cli", "ping"]
    assert "env" not in spec


def test_strict_readiness_opts_in_to_pong_only_without_a_password(synth_redis: SynthRedis) -> None:
    spec = container(synth_redis, access=RedisAccess.open(strict_readiness=True))
    assert spec["readinessProbe"]["exec"]["command"] == READY
    assert spec["livenessProbe"]["exec"]["command"] == ["redis-cli", "ping"]
    # with a password readiness is PONG-only anyway
    auth = RedisAccess.password(RedisAuth(secret_name="redis-auth"))
    assert auth.strict_readiness is True
    assert container(synth_redis, access=auth)["readinessProbe"]["exec"]["command"] == READY


def test_command_guard_false_restores_the_seed_args_exactly(synth_redis: SynthRedis) -> None:
    spec = container(synth_redis, access=RedisAccess.seed_exact())
    assert spec["args"] == SEED_ARGS
    assert spec["livenessProbe"]["exec"]["command"] == ["redis-cli", "ping"]
    assert spec["readinessProbe"]["exec"]["command"] == ["redis-cli", "ping"]


def test_command_guard_false_with_auth_uses_requirepass(synth_redis: SynthRedis) -> None:
    spec = container(synth_redis, access=RedisAccess.password(RedisAuth(secret_name="redis-auth"), command_guard=False))
    assert spec["args"] == [*SEED_ARGS, "--requirepass", "$(REDIS_PASSWORD)"]


def test_port_comes_before_the_guard(synth_redis: SynthRedis) -> None:
    args = container(synth_redis, port=6380)["args"]
    assert args[6:12] == ["--port", "6380", "--protected-mode", "no", "--user", "default"]


def test_guard_with_auth_carries_the_password(synth_redis: SynthRedis) -> None:
    spec = container(synth_redis, access=RedisAccess.password(RedisAuth(secret_name="redis-auth")))
    assert spec["args"] == [*SEED_ARGS, "--user", "default", "on", ">$(REDIS_PASSWORD)", "~*", "&*", *GUARD, *LIMITS]
    assert spec["livenessProbe"]["exec"]["command"] == ALIVE
    assert spec["readinessProbe"]["exec"]["command"] == READY


def test_honest_probe_follows_the_port(synth_redis: SynthRedis) -> None:
    spec = container(synth_redis, port=6380, access=RedisAccess.password(RedisAuth(secret_name="redis-auth")))
    assert spec["readinessProbe"]["exec"]["command"] == ["sh", "-c", '[ "$(redis-cli -p 6380 ping)" = PONG ]']
    assert spec["livenessProbe"]["exec"]["command"][2].startswith('case "$(redis-cli -p 6380 ping 2>&1)" in PONG|')


def test_roles_args_env_and_probe(synth_redis: SynthRedis) -> None:
    roles = [
        RedisRole.dispatcher(secret_name="redis-dispatcher"),
        RedisRole.agent(secret_name="redis-agent", previous_password_key="redis-password-previous"),
    ]
    spec = container(synth_redis, access=RedisAccess.roles(roles))
    assert spec["args"] == [
        *SEED_ARGS,
        "--user", "default", "off", "resetpass", "resetkeys", "resetchannels", "-@all",
        "--user", "dispatcher", "on", ">$(REDIS_DISPATCHER_PASSWORD)", "~*", "&*", *DISPATCHER,
        "--user", "agent", "on", ">$(REDIS_AGENT_PASSWORD)", ">$(REDIS_AGENT_PREVIOUS_PASSWORD)", "~job:*", "&job:*",
        *AGENT_COMMANDS,
        *LIMITS,
    ]  # fmt: skip
    assert spec["env"] == [
        {
            "name": "REDIS_DISPATCHER_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "redis-dispatcher", "key": "redis-password"}},
        },
        {
            "name": "REDIS_AGENT_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "redis-agent", "key": "redis-password"}},
        },
        {
            "name": "REDIS_AGENT_PREVIOUS_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "redis-agent", "key": "redis-password-previous"}},
        },
        {"name": "REDISCLI_AUTH", "value": "$(REDIS_DISPATCHER_PASSWORD)"},
    ]
    assert spec["readinessProbe"]["exec"]["command"] == [
        "sh",
        "-c",
        '[ "$(redis-cli --user dispatcher ping)" = PONG ]',
    ]
    assert spec["livenessProbe"]["exec"]["command"] == [
        "sh",
        "-c",
        'case "$(redis-cli --user dispatcher ping 2>&1)" in PONG|*"max number of clients reached"*) exit 0;; esac; '
        "exit 1",
    ]


def test_agent_commands_end_with_the_denials() -> None:
    # Categories added earlier (@list holds SORT, @connection holds CLIENT KILL) must be cut last.
    assert AGENT_COMMANDS[0] == "-@all"
    tail = ["-@admin", "-@dangerous", *AMPLIFIERS, *UNBOUNDED,
            # names outside the agent's pattern: channel lists, other databases
            "-pubsub", "-select", "+select|0", "+info"]  # fmt: skip
    assert list(AGENT_COMMANDS[-len(tail) :]) == tail
    assert GUARD_COMMANDS == tuple(GUARD)


def test_roles_mode_publishes_no_secret_and_holds_no_password(synth_chart: SynthChart) -> None:
    roles = [RedisRole.dispatcher(secret_name="redis-dispatcher"), RedisRole.agent(secret_name="redis-agent")]
    objects = synth_chart(lambda chart: EphemeralRedis(chart, "redis", access=RedisAccess.roles(roles)))
    assert sorted(o["kind"] for o in objects) == ["Deployment", "NetworkPolicy", "Service"]


def test_endpoint_for_hands_out_each_roles_secret(synth_chart: SynthChart) -> None:
    handles: dict[str, Any] = {}

    def build(chart: Any) -> None:
        redis = EphemeralRedis(
            chart,
            "redis",
            access=RedisAccess.roles(
                [
                    RedisRole.dispatcher(secret_name="redis-dispatcher"),
                    RedisRole.agent(secret_name="redis-agent", url_key="url"),
                ]
            ),
        )
        handles["redis"] = redis
        handles["agent"] = redis.endpoint_for("agent")

    synth_chart(build)
    agent = handles["agent"]
    assert (agent.host, agent.port, agent.url) == ("redis", 6379, "redis://redis:6379")
    assert (agent.connection.name, agent.connection.key) == ("redis-agent", "url")
    # the Redis's own handle is the first role's
    assert (handles["redis"].connection.name, handles["redis"].connection.key) == ("redis-dispatcher", "redis-url")
    assert_config_error(
        lambda: handles["redis"].endpoint_for("admin"),
        match=r"'role' is not a role of this Redis \(roles: agent, dispatcher\)",
    )
    # the endpoint wires a client like any RedisEndpoint
    assert redis_url_env(agent) == {
        "name": "REDIS_URL",
        "valueFrom": {"secretKeyRef": {"name": "redis-agent", "key": "url"}},
    }
