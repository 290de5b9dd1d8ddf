"""RedisPersistence: the default (memory only) changes nothing, append_only() writes the AOF args and a claim."""

from __future__ import annotations

import re
from typing import Any

import cdk8s
import pytest
from _bad_props import BadChart, BadInput, bad
from _support import ROOT, SynthChart, SynthRedis, assert_config_error

import agentsmith
from agentsmith import (
    DEFAULT_PERSISTENCE,
    DEFAULT_VOLUME_SIZE,
    EphemeralRedis,
    RedisFilesystem,
    RedisPersistence,
    Resources,
)
from testkit.manifests import the_container
from testkit.schema import validate

#: The memory limit append_only() needs for the default maxmemory (256mb): twice the default 512Mi.
PERSISTENT_RESOURCES = Resources(memory_limit="1Gi")
AOF_ARGS = ["--appendonly", "yes", "--appendfsync", "everysec", "--dir", "/data"]


def objects(synth_redis: SynthRedis, **props: Any) -> dict[str, dict[str, Any]]:
    return {o["kind"]: o for o in synth_redis(**props)}


def persistent(synth_redis: SynthRedis, **props: Any) -> dict[str, dict[str, Any]]:
    return objects(synth_redis, resources=PERSISTENT_RESOURCES, **props)


def test_default_is_memory_only_and_writes_nothing_new(synth_redis: SynthRedis) -> None:
    # GIVEN the default and the explicit none()
    assert DEFAULT_PERSISTENCE == RedisPersistence.none()
    assert (DEFAULT_PERSISTENCE.enabled, DEFAULT_PERSISTENCE.size, DEFAULT_PERSISTENCE.fsync) == (
        False,
        None,
        None,
    )
    assert DEFAULT_VOLUME_SIZE == "1Gi"
    # THEN the objects are the design's: no claim, no volume, no --appendonly, the seed's --save ""
    default = synth_redis()
    assert synth_redis(persistence=RedisPersistence.none()) == default
    kinds = sorted(o["kind"] for o in default)
    assert "PersistentVolumeClaim" not in kinds
    (deployment,) = [o for o in default if o["kind"] == "Deployment"]
    container = the_container(deployment)
    assert "--appendonly" not in container["args"] and "--dir" not in container["args"]
    assert container["args"][4:6] == ["--save", ""]
    assert "volumes" not in deployment["spec"]["template"]["spec"] and "volumeMounts" not in container


def test_append_only_writes_the_aof_args_after_the_seeds(synth_redis: SynthRedis) -> None:
    found = persistent(synth_redis, persistence=RedisPersistence.append_only())
    args = the_container(found["Deployment"])["args"]
    # the seed's six args stay (--save "" included: the AOF is the only persistence), then the AOF's
    assert args[:12] == ["--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru", "--save", "", *AOF_ARGS]
    fsync = persistent(synth_redis, persistence=RedisPersistence.append_only(fsync="always"))
    always = the_container(fsync["Deployment"])["args"][6:12]
    assert always == ["--appendonly", "yes", "--appendfsync", "always", "--dir", "/data"]


def test_append_only_claims_a_volume_mounted_at_data(synth_redis: SynthRedis) -> None:
    found = persistent(synth_redis, persistence=RedisPersistence.append_only())
    assert found["PersistentVolumeClaim"] == {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": "redis-data",
            "namespace": "agentsmith",
            "labels": {"app": "redis", "app.kubernetes.io/name": "redis", "app.kubernetes.io/component": "message-bus"},
        },
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    deployment = found["Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["volumes"] == [{"name": "data", "persistentVolumeClaim": {"claimName": "redis-data"}}]
    assert the_container(deployment)["volumeMounts"] == [{"name": "data", "mountPath": "/data"}]
    # uid 999 writes the volume: the pod's fsGroup is the container's user; one pod at a time holds the claim
    assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsUser"] == 999
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert the_container(deployment)["securityContext"]["readOnlyRootFilesystem"] is False


def test_claim_takes_the_class_mode_and_size(synth_redis: SynthRedis) -> None:
    value = RedisPersistence.append_only(size="5Gi", storage_class="fast-ssd", access_mode="ReadWriteOncePod")
    claim = persistent(synth_redis, persistence=value, name="bus")["PersistentVolumeClaim"]
    assert claim["metadata"]["name"] == "bus-data"
    assert claim["spec"] == {
        "accessModes": ["ReadWriteOncePod"],
        "resources": {"requests": {"storage": "5Gi"}},
        "storageClassName": "fast-ssd",
    }
    # "" is Kubernetes' "no class": only a pre-provisioned PersistentVolume without one binds
    empty = persistent(synth_redis, persistence=RedisPersistence.append_only(storage_class=""))
    assert empty["PersistentVolumeClaim"]["spec"]["storageClassName"] == ""


def test_with_a_read_only_root_the_claim_replaces_the_empty_dir(synth_redis: SynthRedis) -> None:
    found = persistent(synth_redis, persistence=RedisPersistence.append_only(), filesystem=RedisFilesystem.read_only())
    pod = found["Deployment"]["spec"]["template"]["spec"]
    assert pod["volumes"] == [{"name": "data", "persistentVolumeClaim": {"claimName": "redis-data"}}]
    container = the_container(found["Deployment"])
    assert container["volumeMounts"] == [{"name": "data", "mountPath": "/data"}]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


@pytest.mark.parametrize(
    "props",
    [
        {"persistence": RedisPersistence.append_only()},
        {"persistence": RedisPersistence.append_only(), "filesystem": RedisFilesystem.read_only()},
        {"persistence": RedisPersistence.append_only(storage_class="", access_mode="ReadWriteMany", fsync="no")},
        {"persistence": RedisPersistence.append_only(storage_class="standard", access_mode="ReadWriteOncePod")},
    ],
    ids=["default", "read-only-root", "no-class-rwx", "class-rwop"],
)
def test_every_object_validates_against_kubernetes_1_27(synth_redis: SynthRedis, props: dict[str, Any]) -> None:
    found = synth_redis(resources=PERSISTENT_RESOURCES, **props)
    assert "PersistentVolumeClaim" in {o["kind"] for o in found}
    for obj in found:
        validate(obj)


def test_memory_rule_counts_half_the_limit_with_persistence(synth_chart: SynthChart) -> None:
    # GIVEN the default maxmemory (256mb) and memory limit (512Mi), which pass without persistence
    # WHEN persistence is on THEN an AOF rewrite's fork could double the pages: refused, with both ways out
    assert_config_error(
        lambda: synth_chart(lambda chart: EphemeralRedis(chart, "redis", persistence=RedisPersistence.append_only())),
        prop="maxmemory",
        value="256mb",
        match=r"16/29 of half of 'resources.memory_limit' \(512Mi\).*AOF rewrite forks Redis",
        fix="Use at most '132mb', or raise 'resources.memory_limit' to at least '960Mi'.",
    )
    # the smallest maxmemory under the smallest limit names the limit to raise to
    assert_config_error(
        lambda: synth_chart(
            lambda chart: EphemeralRedis(
                chart,
                "redis",
                maxmemory="8mb",
                resources=Resources(memory_request="32Mi", memory_limit="40Mi"),
                persistence=RedisPersistence.append_only(),
            )
        ),
        prop="maxmemory",
        value="8mb",
        fix="Raise 'resources.memory_limit' to at least '61Mi' (maxmemory cannot go below 8mb).",
    )


def test_client_budget_comes_from_half_the_limit(synth_chart: SynthChart) -> None:
    made: list[EphemeralRedis] = []
    found = synth_chart(
        lambda chart: made.append(
            EphemeralRedis(chart, "redis", resources=PERSISTENT_RESOURCES, persistence=RedisPersistence.append_only())
        )
    )
    # 1Gi / 2 - 256mb x 29/16 = 48mb: the same budget as the default bus under 512Mi
    assert made[0].client_memory_budget == 48 * 2**20
    args = the_container(next(o for o in found if o["kind"] == "Deployment"))["args"]
    assert args[args.index("--maxmemory-clients") + 1] == "48mb"
    assert made[0].volume_claim is not None and made[0].persistence == RedisPersistence.append_only()


def test_without_persistence_there_is_no_claim_handle(synth_chart: SynthChart) -> None:
    made: list[EphemeralRedis] = []
    synth_chart(lambda chart: made.append(EphemeralRedis(chart, "redis")))
    assert made[0].volume_claim is None and made[0].persistence is DEFAULT_PERSISTENCE


def test_the_claim_name_is_claimed_against_other_objects(synth_chart: SynthChart) -> None:
    def build(chart: cdk8s.Chart) -> None:
        cdk8s.ApiObject(chart, "mine", api_version="v1", kind="PersistentVolumeClaim", metadata={"name": "redis-data"})
        EphemeralRedis(chart, "redis", resources=PERSISTENT_RESOURCES, persistence=RedisPersistence.append_only())

    assert_config_error(
        lambda: synth_chart(build),
        prop="persistence",
        match=r"names PersistentVolumeClaim 'agentsmith/redis-data', which \[test/mine\] already defines",
    )


@pytest.mark.parametrize(
    "value",
    [
        RedisPersistence.none(),
        RedisPersistence.append_only(),
        RedisPersistence.append_only(size="20Gi", storage_class="gp3", access_mode="ReadWriteOncePod", fsync="always"),
        RedisPersistence.append_only(storage_class=""),
    ],
    ids=repr,
)
def test_repr_is_the_factory_call_that_rebuilds_the_value(value: RedisPersistence) -> None:
    assert eval(repr(value), vars(agentsmith)) == value
    assert repr(value).startswith("RedisPersistence.")


def test_values_are_built_only_by_factories() -> None:
    with pytest.raises(TypeError, match=r"Build a RedisPersistence with a factory: RedisPersistence.none\(\)"):
        RedisPersistence()


# -- Bad props: one exact error each, before any API object (tests/_bad_props.py) --------

FACTORIES = (
    "Use RedisPersistence.none() or RedisPersistence.append_only(size='1Gi', storage_class=None, "
    "access_mode='ReadWriteOnce', fsync='everysec')."
)
MODES = "must be one of ReadWriteOnce, ReadWriteOncePod, ReadWriteMany"
FSYNCS = "must be one of always, everysec, no"
SUBDOMAIN = "must be a DNS subdomain: lowercase letters, digits, '-' and '.', at most 253 characters"
SIZE_FLOOR = (
    "must hold 3 x max('maxmemory' (256mb), 64mb) = 768Mi: during an AOF rewrite the old base and increments "
    "and the new base are on the volume together, and Redis refuses writes once the disk is full"
)


def aof(**kwargs: Any) -> RedisPersistence:
    return RedisPersistence.append_only(**kwargs)


BAD_PROPS = [
    bad("persistence-a-bool", "redis", "persistence", True, "must be an agentsmith.RedisPersistence", FACTORIES),
    bad("persistence-a-string", "redis", "persistence", "aof", "must be an agentsmith.RedisPersistence", FACTORIES),
    bad("persistence-none", "redis", "persistence", None, "must be an agentsmith.RedisPersistence", FACTORIES),
    bad(
        "size-int",
        "redis",
        "persistence.size",
        10,
        "must be a string",
        "Use a string such as '1Gi'.",
        persistence=aof(size=10),
    ),
    bad(
        "size-empty",
        "redis",
        "persistence.size",
        "",
        "is not a Kubernetes quantity",
        "Use a number with an optional suffix (m, k, M, G, Ki, Mi, Gi, ...), e.g. '500m' or '384Mi'.",
        persistence=aof(size=""),
    ),
    bad(
        "size-redis-unit",
        "redis",
        "persistence.size",
        "1gb",
        "is not a Kubernetes quantity",
        "Did you mean '1Gi'?",
        persistence=aof(size="1gb"),
    ),
    bad(
        "size-milli",
        "redis",
        "persistence.size",
        "1024m",
        "must be a whole number of bytes ('m' means 1/1000)",
        "Did you mean '1024Mi'?",
        persistence=aof(size="1024m"),
    ),
    bad(
        "size-zero",
        "redis",
        "persistence.size",
        "0",
        "must be greater than 0",
        "Use a quantity such as '1Gi'.",
        persistence=aof(size="0"),
    ),
    bad(
        "size-negative",
        "redis",
        "persistence.size",
        "-1Gi",
        "must be greater than 0",
        "Use a quantity such as '1Gi'.",
        persistence=aof(size="-1Gi"),
    ),
    bad(
        "size-above-int64",
        "redis",
        "persistence.size",
        "8Ei",
        f"must be at most {2**63 - 1} bytes (a signed 64-bit count, as Kubernetes reads a quantity)",
        "Use a realistic size such as '1Gi' or '100Gi'.",
        persistence=aof(size="8Ei"),
    ),
    bad(
        "size-below-three-times-maxmemory",
        "redis",
        "persistence.size",
        "512Mi",
        SIZE_FLOOR,
        "Use at least '768Mi', or lower 'maxmemory'.",
        persistence=aof(size="512Mi"),
    ),
    bad(
        "size-below-three-times-the-first-rewrite",
        "redis",
        "persistence.size",
        "128Mi",
        "must hold 3 x max('maxmemory' (8mb), 64mb) = 192Mi: during an AOF rewrite the old base and increments "
        "and the new base are on the volume together, and Redis refuses writes once the disk is full",
        "Use at least '192Mi', or lower 'maxmemory'.",
        persistence=aof(size="128Mi"),
        maxmemory="8mb",
    ),
    bad(
        "storage-class-uppercase",
        "redis",
        "persistence.storage_class",
        "Fast_SSD",
        SUBDOMAIN,
        "Did you mean 'fast-ssd'?",
        persistence=aof(storage_class="Fast_SSD"),
    ),
    bad(
        "storage-class-int",
        "redis",
        "persistence.storage_class",
        3,
        SUBDOMAIN,
        "Use a name such as 'agentsmith-secrets'.",
        persistence=aof(storage_class=3),
    ),
    bad(
        "storage-class-too-long",
        "redis",
        "persistence.storage_class",
        "a" * 254,
        SUBDOMAIN,
        f"Did you mean {'a' * 253!r}?",
        persistence=aof(storage_class="a" * 254),
    ),
    bad(
        "access-mode-short",
        "redis",
        "persistence.access_mode",
        "RWO",
        MODES,
        "Use 'ReadWriteOnce' ('RWO' is its short name).",
        persistence=aof(access_mode="RWO"),
    ),
    bad(
        "access-mode-case",
        "redis",
        "persistence.access_mode",
        "readwriteonce",
        MODES,
        "Did you mean 'ReadWriteOnce'?",
        persistence=aof(access_mode="readwriteonce"),
    ),
    bad(
        "access-mode-read-only",
        "redis",
        "persistence.access_mode",
        "ReadOnlyMany",
        "must let Redis write the append-only file ('ReadOnlyMany' mounts the volume read-only)",
        "Use 'ReadWriteOnce' (the default).",
        persistence=aof(access_mode="ReadOnlyMany"),
    ),
    bad(
        "access-mode-list",
        "redis",
        "persistence.access_mode",
        ["ReadWriteOnce"],
        MODES,
        "Did you mean 'ReadWriteOnce'?",  # one mode, not the claim's list
        persistence=aof(access_mode=["ReadWriteOnce"]),
    ),
    bad(
        "fsync-typo",
        "redis",
        "persistence.fsync",
        "everysecond",
        FSYNCS,
        "Did you mean 'everysec'?",
        persistence=aof(fsync="everysecond"),
    ),
    bad(
        "fsync-bool",
        "redis",
        "persistence.fsync",
        True,
        FSYNCS,
        "Use 'everysec' (the default).",
        persistence=aof(fsync=True),
    ),
    bad(
        "fsync-empty",
        "redis",
        "persistence.fsync",
        "",
        FSYNCS,
        "Use 'everysec' (the default).",
        persistence=aof(fsync=""),
    ),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)


def test_the_operations_guide_snippet_synthesises_a_persistent_bus(synth_chart: SynthChart) -> None:
    # GIVEN the Python block of docs/operations.md, "Persistence", as a user pastes it
    section = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8").split("\n## Persistence\n", 1)[1]
    (block,) = re.findall(r"```python\n(.*?)```", section.split("\n## ", 1)[0], re.S)

    # WHEN it runs in a chart THEN it builds the bus with its claim and the AOF args
    found = {o["kind"]: o for o in synth_chart(lambda chart: exec(block, {"chart": chart}))}
    assert found["PersistentVolumeClaim"]["metadata"]["name"] == "redis-data"
    args = the_container(found["Deployment"])["args"]
    assert args[2:12] == ["--maxmemory-policy", "noeviction", "--save", "", *AOF_ARGS]
