"""RedisFilesystem and RedisNetwork: factories, defaults, the manifests they give, and a repr that rebuilds them."""

from __future__ import annotations

from typing import Any

import pytest
from _bad_props import BadChart, BadInput, bad
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


# -- Bad props: one exact error each, before any API object (tests/_bad_props.py) --------

WHOLE_BYTES = "must be a whole number of bytes ('m' means 1/1000)"
DATA_FLOOR = "must be at least 1Mi: the kubelet counts whole 4 KiB blocks and evicts the pod above the limit"

BAD_PROPS = [
    bad(
        "data-size-limit-milli",
        "redis",
        "filesystem.data_size_limit",
        "64m",
        WHOLE_BYTES,
        "Did you mean '64Mi'?",
        filesystem=RedisFilesystem.read_only(data_size_limit="64m"),
    ),
    bad(
        "data-size-limit-fraction",
        "redis",
        "filesystem.data_size_limit",
        "0.5",
        "must be a whole number of bytes",
        "Use a whole number of bytes, e.g. '64Mi'.",
        filesystem=RedisFilesystem.read_only(data_size_limit="0.5"),
    ),
    bad(
        "data-size-limit-below-floor",
        "redis",
        "filesystem.data_size_limit",
        "512Ki",
        DATA_FLOOR,
        "Use 1Mi or more, e.g. '64Mi'.",
        filesystem=RedisFilesystem.read_only(data_size_limit="512Ki"),
    ),
    bad(
        "data-size-limit-not-a-quantity",
        "redis",
        "filesystem.data_size_limit",
        "64 megs",
        "is not a Kubernetes quantity",
        "Use a number with an optional suffix (m, k, M, G, Ki, Mi, Gi, ...), e.g. '500m' or '384Mi'.",
        filesystem=RedisFilesystem.read_only(data_size_limit="64 megs"),
    ),
    bad(
        "data-size-limit-int",
        "redis",
        "filesystem.data_size_limit",
        64,
        "must be a string",
        "Use a string such as '64Mi'.",
        filesystem=RedisFilesystem.read_only(data_size_limit=64),  # type: ignore[arg-type]
    ),
    bad(
        "data-size-limit-none-with-read-only-root",
        "redis",
        "filesystem.data_size_limit",
        None,
        "must be a string",
        "Use a string such as '64Mi'.",
        filesystem=RedisFilesystem.read_only(data_size_limit=None),  # type: ignore[arg-type]
    ),
    bad(
        "filesystem-a-bool",
        "redis",
        "filesystem",
        True,
        "must be an agentsmith.RedisFilesystem",
        "Use RedisFilesystem.writable() or RedisFilesystem.read_only(data_size_limit='64Mi').",
    ),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)
