"""Client memory bounds (agentsmith/_limits.py): the args and the headroom maths. Runtime: test_runtime_abuse.py."""

from __future__ import annotations

from typing import Any

import cdk8s
import pytest
from _support import assert_config_error, in_memory_app

from agentsmith import DEFAULT_MAX_VALUE_SIZE, EphemeralRedis, RedisAccess, RedisRole, Resources
from agentsmith.core.limits import PROTO_MAX_BULK_LEN, client_budget, least_client_budget, server_args
from agentsmith.core.quantity import parse_quantity, parse_redis_memory
from testkit.manifests import the_container

MiB = 1024 * 1024
ROLE = RedisRole.agent(secret_name="redis-agent")


def redis_of(synth_chart: Any, **props: Any) -> tuple[EphemeralRedis, list[str]]:
    made: list[EphemeralRedis] = []
    objects = synth_chart(lambda chart: made.append(EphemeralRedis(chart, "redis", **props)))
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    container = the_container(deployment)
    return made[0], list(container["args"])


def test_default_sizing_leaves_clients_what_fragmentation_does_not_take(synth_chart: Any) -> None:
    # GIVEN the seed's 256mb in the default 512Mi container WHEN synthesised
    redis, args = redis_of(synth_chart)
    # THEN the allocator's overhead under churn (13/16 of maxmemory: 208 MiB) is set aside, clients get the
    # rest (48mb), one client half of that (24mb hard, 6mb soft)
    assert redis.client_memory_budget == 48 * MiB
    limit = int(parse_quantity("512Mi"))
    assert limit - parse_redis_memory("256mb") - redis.client_memory_budget == 208 * MiB
    assert args[-17:] == [
        "--proto-max-bulk-len", "8mb",
        "--client-query-buffer-limit", "16mb",
        "--maxmemory-clients", "48mb",
        "--client-output-buffer-limit", "normal", "24mb", "6mb", "60", "pubsub", "24mb", "6mb", "60",
        "--maxclients", "10000",
    ]  # fmt: skip


def test_budget_follows_maxmemory_and_the_memory_limit(synth_chart: Any) -> None:
    redis, args = redis_of(synth_chart, maxmemory="1gb", resources=Resources(memory_limit="2Gi"))
    assert redis.client_memory_budget == 2048 * MiB - 1024 * MiB * 29 // 16 == 192 * MiB
    assert args[args.index("--maxmemory-clients") + 1] == "192mb"
    assert args[args.index("--client-output-buffer-limit") + 1 :][:4] == ["normal", "96mb", "24mb", "60"]


def test_budget_that_is_not_whole_megabytes_is_written_in_bytes() -> None:
    budget = client_budget(parse_redis_memory("100mb"), 250_000_000)
    assert budget == 250_000_000 - 100 * MiB * 29 // 16
    assert server_args(budget)[5] == str(budget)


def test_the_largest_maxmemory_leaves_the_fragmentation_and_the_least_budget() -> None:
    # maxmemory may be up to 16/29 of (limit - twice the largest value): then clients get exactly twice that value.
    limit = 512 * MiB
    least = least_client_budget("8mb")
    maxmemory = (limit - least) * 16 // 29
    assert least == 16 * MiB
    assert client_budget(maxmemory, limit) >= least > client_budget(maxmemory + MiB, limit)


def test_no_limits_without_the_guard(synth_chart: Any) -> None:
    _, args = redis_of(synth_chart, access=RedisAccess.seed_exact())
    assert "--maxmemory-clients" not in args and "--proto-max-bulk-len" not in args
    assert PROTO_MAX_BULK_LEN == "8mb"


# -- max_value_size: proto-max-bulk-len as a prop ------------------------------------------------


def test_max_value_size_sets_the_bulk_and_query_limits(synth_chart: Any) -> None:
    # GIVEN smaller values (and so smaller connection names) WHEN synthesised THEN both limits follow
    _, args = redis_of(synth_chart, access=RedisAccess.open(max_value_size="1mb"))
    assert args[args.index("--proto-max-bulk-len") + 1] == "1mb"
    assert args[args.index("--client-query-buffer-limit") + 1] == "2mb"
    _, args = redis_of(synth_chart, access=RedisAccess.roles([ROLE], max_value_size="24mb"))
    assert args[args.index("--proto-max-bulk-len") + 1] == "24mb"
    assert args[args.index("--client-query-buffer-limit") + 1] == "48mb"


def test_max_value_size_is_in_the_repr_when_not_the_default() -> None:
    assert repr(RedisAccess.open(max_value_size="2mb")) == "RedisAccess.open(max_value_size='2mb')"
    assert repr(RedisAccess.open(max_value_size=DEFAULT_MAX_VALUE_SIZE)) == "RedisAccess.open()"
    assert RedisAccess.open().max_value_size == "8mb" == DEFAULT_MAX_VALUE_SIZE
    assert RedisAccess.seed_exact().max_value_size is None


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("512kb", "must be at least 1mb"),
        (8, "must be a Redis memory size string"),
        ("8 MB", "Redis memory size"),
        ("32mb", "must be at most one client's output limit (24mb: half the client memory budget"),
    ],
)
def test_bad_max_value_size_is_refused(synth_chart: Any, value: object, rule: str) -> None:
    error = assert_config_error(
        lambda: redis_of(synth_chart, access=RedisAccess.open(max_value_size=value)),  # type: ignore[arg-type]
        prop="access.max_value_size",
        value=value,
    )
    assert rule in str(error), str(error)


def test_a_bigger_memory_limit_admits_bigger_values(synth_chart: Any) -> None:
    _, args = redis_of(
        synth_chart, access=RedisAccess.open(max_value_size="64mb"), resources=Resources(memory_limit="640Mi")
    )
    assert args[args.index("--proto-max-bulk-len") + 1] == "64mb"


def test_max_value_size_needs_the_guard() -> None:
    from agentsmith import RedisAuth

    assert_config_error(
        lambda: EphemeralRedis(
            cdk8s.Chart(in_memory_app(), "c"),
            "redis",
            access=RedisAccess.password(RedisAuth(secret_name="s"), command_guard=False, max_value_size="2mb"),
        ),
        prop="access.max_value_size",
        value="2mb",
        match="applies only with the command guard",
    )
