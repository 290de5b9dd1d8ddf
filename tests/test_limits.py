"""Client memory bounds (agentsmith/_limits.py): the args and the headroom maths. Runtime: test_runtime_abuse.py."""

from __future__ import annotations

from typing import Any

from agentsmith import EphemeralRedis, RedisAccess, Resources
from agentsmith._limits import PROTO_MAX_BULK_LEN, client_budget, server_args
from agentsmith._quantity import parse_quantity, parse_redis_memory
from testkit.manifests import the_container

MiB = 1024 * 1024


def redis_of(synth_chart: Any, **props: Any) -> tuple[EphemeralRedis, list[str]]:
    made: list[EphemeralRedis] = []
    objects = synth_chart(lambda chart: made.append(EphemeralRedis(chart, "redis", **props)))
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    container = the_container(deployment)
    return made[0], list(container["args"])


def test_seed_sizing_gives_clients_half_the_headroom(synth_chart: Any) -> None:
    # GIVEN the seed's 256mb in a 384Mi container WHEN synthesised
    redis, args = redis_of(synth_chart)
    # THEN clients get 64mb of the 128Mi headroom, 64Mi stays for Redis itself
    assert redis.client_memory_budget == 64 * MiB
    limit = int(parse_quantity("384Mi"))
    assert limit - parse_redis_memory("256mb") - redis.client_memory_budget == 64 * MiB
    assert args[-17:] == [
        "--proto-max-bulk-len", "8mb",
        "--client-query-buffer-limit", "16mb",
        "--maxmemory-clients", "64mb",
        "--client-output-buffer-limit", "normal", "32mb", "8mb", "60", "pubsub", "32mb", "8mb", "60",
        "--maxclients", "10000",
    ]  # fmt: skip


def test_budget_follows_maxmemory_and_the_memory_limit(synth_chart: Any) -> None:
    redis, args = redis_of(synth_chart, maxmemory="1gb", resources=Resources(memory_limit="2Gi"))
    assert redis.client_memory_budget == 512 * MiB
    assert args[args.index("--maxmemory-clients") + 1] == "512mb"
    assert args[args.index("--client-output-buffer-limit") + 1 :][:4] == ["normal", "256mb", "64mb", "60"]


def test_budget_that_is_not_whole_megabytes_is_written_in_bytes() -> None:
    budget = client_budget(parse_redis_memory("100mb"), 150_000_000)
    assert budget == (150_000_000 - 100 * MiB) // 2
    assert server_args(budget)[5] == str(budget)


def test_headroom_maths_holds_at_the_largest_allowed_maxmemory() -> None:
    # maxmemory may be up to 3/4 of the limit: then clients get 1/8 and Redis keeps 1/8.
    limit = 512 * MiB
    maxmemory = limit * 3 // 4
    budget = client_budget(maxmemory, 512 * 1024**2)
    assert maxmemory + budget + budget == limit


def test_no_limits_without_the_guard(synth_chart: Any) -> None:
    _, args = redis_of(synth_chart, access=RedisAccess.seed_exact())
    assert "--maxmemory-clients" not in args and "--proto-max-bulk-len" not in args
    assert PROTO_MAX_BULK_LEN == "8mb"
