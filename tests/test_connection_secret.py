"""RedisConnectionSecret: where clients read REDIS_URL from."""

from __future__ import annotations

from typing import Any

import cdk8s
from _support import SynthChart, assert_config_error

from agentsmith import EphemeralRedis, RedisAccess, RedisConnectionSecret


def test_defaults_hold_the_url_from_the_handle(synth_chart: SynthChart, snapshot_yaml: Any) -> None:
    def build(chart: cdk8s.Chart) -> None:
        redis = EphemeralRedis(chart, "redis", access=RedisAccess.open(publish_connection_secret=False))
        RedisConnectionSecret(chart, "connection", url=redis.url)

    (secret,) = [o for o in synth_chart(build) if o["kind"] == "Secret"]
    assert secret == snapshot_yaml
    assert secret["metadata"] == {"name": "agentsmith-secrets", "namespace": "agentsmith"}
    assert secret["type"] == "Opaque"
    assert secret["stringData"] == {"redis-url": "redis://redis:6379"}


def test_name_key_and_namespace(synth_chart: SynthChart) -> None:
    objects = synth_chart(
        lambda chart: RedisConnectionSecret(chart, "c", url="rediss://h:6380", name="bus", key="url", namespace="x"),
        namespace=None,
    )
    assert objects[0]["metadata"] == {"name": "bus", "namespace": "x"}
    assert objects[0]["stringData"] == {"url": "rediss://h:6380"}


def test_refuses_credentials_in_the_url(synth_chart: SynthChart) -> None:

    assert_config_error(
        lambda: synth_chart(lambda chart: RedisConnectionSecret(chart, "c", url="redis://:hunter2@redis:6379")),
        match="must not contain credentials",
        secret="hunter2",
    )


def test_the_secret_handle_is_named_after_its_kind(synth_chart: SynthChart) -> None:
    made: list[RedisConnectionSecret] = []
    synth_chart(lambda chart: made.append(RedisConnectionSecret(chart, "c", url="redis://redis:6379")))
    (secret,) = made
    assert secret.secret is secret.api_object
    assert (secret.secret.kind, secret.secret.node.path) == ("Secret", "test/c/Secret")
