"""RedisFilesystem and RedisNetwork: factories, defaults, the manifests they give, and a repr that rebuilds them."""

from __future__ import annotations

from typing import Any

import pytest
from _support import SynthChart, SynthRedis

import agentsmith
from agentsmith import (
    DEFAULT_DATA_SIZE_LIMIT,
    DEFAULT_FILESYSTEM,
    DEFAULT_NETWORK,
    SAME_NAMESPACE,
    EphemeralRedis,
    NetworkPeer,
    RedisFilesystem,
    RedisNetwork,
)


def objects(synth_redis: SynthRedis, **props: Any) -> dict[str, dict[str, Any]]:
    return {o["kind"]: o for o in synth_redis(**props)}


def test_defaults_are_the_seeds() -> None:
    assert DEFAULT_FILESYSTEM == RedisFilesystem.writable()
    assert (DEFAULT_FILESYSTEM.read_only_root, DEFAULT_FILESYSTEM.data_size_limit) == (False, None)
    assert DEFAULT_NETWORK == RedisNetwork.policy()
    assert DEFAULT_NETWORK.allow_from == SAME_NAMESPACE
    assert DEFAULT_NETWORK.creates_policy is True
    assert DEFAULT_DATA_SIZE_LIMIT == "64Mi"


def test_read_only_mounts_a_bounded_empty_dir(synth_redis: SynthRedis) -> None:
    spec = objects(synth_redis, filesystem=RedisFilesystem.read_only(data_size_limit="32Mi"))["Deployment"]
    pod = spec["spec"]["template"]["spec"]
    assert pod["volumes"] == [{"name": "data", "emptyDir": {"sizeLimit": "32Mi"}}]
    assert pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["containers"][0]["volumeMounts"] == [{"name": "data", "mountPath": "/data"}]


def test_unmanaged_network_creates_no_policy(synth_chart: SynthChart, synth_redis: SynthRedis) -> None:
    made: list[EphemeralRedis] = []
    synth_chart(lambda chart: made.append(EphemeralRedis(chart, "redis", network=RedisNetwork.unmanaged())))
    assert made[0].network_policy is None
    assert RedisNetwork.unmanaged().creates_policy is False
    assert "NetworkPolicy" not in objects(synth_redis, network=RedisNetwork.unmanaged())


@pytest.mark.parametrize(
    "value",
    [
        RedisFilesystem.writable(),
        RedisFilesystem.read_only(),
        RedisFilesystem.read_only(data_size_limit="1Gi"),
        RedisNetwork.unmanaged(),
        RedisNetwork.policy(),
        RedisNetwork.policy(allow_from=[NetworkPeer(pod_selector={"app": "x"}, namespace_selector={"team": "y"})]),
    ],
    ids=repr,
)
def test_repr_is_the_factory_call_that_rebuilds_the_value(value: object) -> None:
    rebuilt = eval(repr(value), vars(agentsmith))
    assert rebuilt == value
    assert repr(value).startswith(("RedisFilesystem.", "RedisNetwork."))


def test_values_are_built_only_by_factories() -> None:
    with pytest.raises(TypeError, match=r"Build a RedisFilesystem with a factory"):
        RedisFilesystem()
    with pytest.raises(TypeError, match=r"Build a RedisNetwork with a factory"):
        RedisNetwork()
