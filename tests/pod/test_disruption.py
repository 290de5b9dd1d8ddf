"""RedisDisruption: no PodDisruptionBudget by default (the design's), an opt-in one that selects exactly the Redis
pod, its name claimed like every other object, and one exact error per bad field."""

from __future__ import annotations

from typing import Any

import cdk8s
import pytest
from _bad_props import BadChart, BadInput, bad
from _support import SynthChart, SynthRedis, assert_config_error, in_memory_app

import agentsmith
from agentsmith import DEFAULT_DISRUPTION, EphemeralRedis, RedisDisruption
from testkit import apiserver
from testkit.schema import validate


def by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["kind"]: o for o in objects}


def test_default_creates_no_budget(synth_redis: SynthRedis, synth_chart: SynthChart) -> None:
    assert DEFAULT_DISRUPTION == RedisDisruption.evictable()
    assert (DEFAULT_DISRUPTION.creates_budget, DEFAULT_DISRUPTION.evict_unready) == (False, False)
    assert "PodDisruptionBudget" not in by_kind(synth_redis())
    assert synth_redis.yaml(disruption=RedisDisruption.evictable()) == synth_redis.yaml()
    made: list[EphemeralRedis] = []
    synth_chart(lambda chart: made.append(EphemeralRedis(chart, "redis")))
    assert made[0].disruption_budget is None
    assert made[0].disruption == RedisDisruption.evictable()


def test_wait_for_bus_selects_exactly_the_redis_pod(synth_redis: SynthRedis) -> None:
    objects = by_kind(synth_redis(disruption=RedisDisruption.wait_for_bus(), labels={"team": "a"}))
    budget = objects["PodDisruptionBudget"]
    assert budget == {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {
            "name": "redis",
            "namespace": "agentsmith",
            "labels": {
                "app": "redis",
                "app.kubernetes.io/component": "message-bus",
                "app.kubernetes.io/name": "redis",
                "team": "a",
            },
        },
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "redis"}}},
    }
    deployment = objects["Deployment"]
    assert budget["spec"]["selector"] == deployment["spec"]["selector"]
    assert budget["spec"]["selector"]["matchLabels"] == objects["Service"]["spec"]["selector"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert budget["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert validate(budget) == "1.27"
    assert apiserver.violations(budget) == []


def test_evict_unready_lets_drains_evict_an_unready_bus(synth_redis: SynthRedis) -> None:
    budget = by_kind(synth_redis(disruption=RedisDisruption.wait_for_bus(evict_unready=True)))["PodDisruptionBudget"]
    assert budget["spec"] == {
        "minAvailable": 1,
        "selector": {"matchLabels": {"app": "redis"}},
        "unhealthyPodEvictionPolicy": "AlwaysAllow",
    }
    assert validate(budget) == "1.27"


def test_budget_follows_the_name_and_its_construct_id_is_pinned(synth_chart: SynthChart) -> None:
    made: list[EphemeralRedis] = []
    objects = synth_chart(
        lambda chart: made.append(EphemeralRedis(chart, "bus", name="bus", disruption=RedisDisruption.wait_for_bus()))
    )
    (budget,) = [o for o in objects if o["kind"] == "PodDisruptionBudget"]
    assert budget["metadata"]["name"] == "bus"
    assert budget["spec"]["selector"] == {"matchLabels": {"app": "bus"}}
    assert made[0].disruption_budget is not None
    assert made[0].disruption_budget.node.path == "test/bus/PodDisruptionBudget"  # public API: renaming moves it


def test_budget_name_is_claimed_against_an_existing_budget() -> None:
    chart = cdk8s.Chart(in_memory_app(), "test", namespace="agentsmith", disable_resource_name_hashes=True)
    cdk8s.ApiObject(chart, "other", api_version="policy/v1", kind="PodDisruptionBudget", metadata={"name": "redis"})
    assert_config_error(
        lambda: EphemeralRedis(chart, "redis", disruption=RedisDisruption.wait_for_bus()),
        prop="disruption",
        value="redis",
        path="test/redis",
        message="[test/redis] 'disruption' names PodDisruptionBudget 'agentsmith/redis', which [test/other] already "
        "defines: one would overwrite the other (got 'redis'). Give one of them another name.",
    )
    # without a budget there is nothing to clash with
    EphemeralRedis(chart, "redis")


@pytest.mark.parametrize(
    "value",
    [RedisDisruption.evictable(), RedisDisruption.wait_for_bus(), RedisDisruption.wait_for_bus(evict_unready=True)],
    ids=repr,
)
def test_repr_is_the_factory_call_that_rebuilds_the_value(value: RedisDisruption) -> None:
    assert eval(repr(value), vars(agentsmith)) == value
    assert repr(value).startswith("RedisDisruption.")


def test_values_are_built_only_by_factories() -> None:
    with pytest.raises(TypeError, match=r"Build a RedisDisruption with a factory"):
        RedisDisruption()


# -- Bad props: one exact error each, before any API object (tests/_bad_props.py) --------

FACTORIES = "Use RedisDisruption.evictable() or RedisDisruption.wait_for_bus(evict_unready=False)."

BAD_PROPS = [
    bad("disruption-none", "redis", "disruption", None, "must be an agentsmith.RedisDisruption", FACTORIES),
    bad("disruption-a-bool", "redis", "disruption", True, "must be an agentsmith.RedisDisruption", FACTORIES),
    bad(
        "disruption-evict-unready-a-string",
        "redis",
        "disruption.evict_unready",
        "false",
        "must be True or False",
        "Pass RedisDisruption.wait_for_bus(evict_unready=True) or evict_unready=False.",
        disruption=RedisDisruption.wait_for_bus(evict_unready="false"),  # type: ignore[arg-type]
    ),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)
