"""RedisPodOptions: pull policy and secrets, service account, annotations; defaults, output and one exact error per
bad field."""

from __future__ import annotations

from typing import Any

import pytest
from _bad_props import LABEL_CHARS, SUBDOMAIN, YAML_NUMBER, BadChart, BadInput, bad
from _support import SynthRedis

import agentsmith
from agentsmith import DEFAULT_POD_OPTIONS, RedisMetrics, RedisPodOptions
from agentsmith.pod.options import MAX_ANNOTATIONS_BYTES, PULL_POLICIES, pod_spec_fields, pull_policy

DIGEST = "redis@sha256:" + "a" * 64


def by_name(synth_redis: SynthRedis, **props: Any) -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["kind"], o["metadata"]["name"]): o for o in synth_redis(**props)}


def pulls(objects: dict[tuple[str, str], dict[str, Any]]) -> dict[str, str]:
    spec = objects[("Deployment", "redis")]["spec"]["template"]["spec"]
    return {c["name"]: c["imagePullPolicy"] for c in spec["containers"]}


# -- defaults ------------------------------------------------------------------------------------------------------


def test_defaults() -> None:
    assert DEFAULT_POD_OPTIONS == RedisPodOptions()
    assert DEFAULT_POD_OPTIONS.image_pull_policy is None
    assert DEFAULT_POD_OPTIONS.image_pull_secrets == ()
    assert DEFAULT_POD_OPTIONS.service_account_name is None
    assert dict(DEFAULT_POD_OPTIONS.pod_annotations) == {} == dict(DEFAULT_POD_OPTIONS.service_annotations)
    assert pod_spec_fields(DEFAULT_POD_OPTIONS) == {}
    assert PULL_POLICIES == ("Always", "IfNotPresent", "Never")
    assert MAX_ANNOTATIONS_BYTES == 262144


def test_default_pull_policy_follows_the_image_reference(synth_redis: SynthRedis) -> None:
    assert (pull_policy("redis:7-alpine", None), pull_policy(DIGEST, None)) == ("Always", "IfNotPresent")
    assert pulls(by_name(synth_redis, metrics=RedisMetrics())) == {"redis": "Always", "redis-exporter": "Always"}
    assert pulls(by_name(synth_redis, image=DIGEST)) == {"redis": "IfNotPresent"}


def test_defaults_write_nothing_new(synth_redis: SynthRedis) -> None:
    objects = by_name(synth_redis)
    template = objects[("Deployment", "redis")]["spec"]["template"]
    assert "annotations" not in template["metadata"]
    assert not {"imagePullSecrets", "serviceAccountName"} & set(template["spec"])
    assert "annotations" not in objects[("Service", "redis")]["metadata"]
    assert synth_redis.yaml(pod_options=RedisPodOptions()) == synth_redis.yaml()


# -- each field ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", PULL_POLICIES)
def test_an_explicit_pull_policy_applies_to_both_containers(policy: str, synth_redis: SynthRedis) -> None:
    objects = by_name(synth_redis, metrics=RedisMetrics(), pod_options=RedisPodOptions(image_pull_policy=policy))
    assert pulls(objects) == {"redis": policy, "redis-exporter": policy}


def test_an_explicit_pull_policy_overrides_the_digest_rule(synth_redis: SynthRedis) -> None:
    objects = by_name(synth_redis, image=DIGEST, pod_options=RedisPodOptions(image_pull_policy="Always"))
    assert pulls(objects) == {"redis": "Always"}


def test_pull_secrets_and_service_account_keep_the_token_unmounted(synth_redis: SynthRedis) -> None:
    options = RedisPodOptions(image_pull_secrets=["mirror", "cache.example.com"], service_account_name="redis-bus")
    spec = by_name(synth_redis, pod_options=options)[("Deployment", "redis")]["spec"]["template"]["spec"]
    assert spec["imagePullSecrets"] == [{"name": "mirror"}, {"name": "cache.example.com"}]
    assert spec["serviceAccountName"] == "redis-bus"
    assert spec["automountServiceAccountToken"] is False


def test_annotations_go_on_the_pod_template_and_the_redis_service_only(synth_redis: SynthRedis) -> None:
    options = RedisPodOptions(
        pod_annotations={"example.com/owner": "platform"}, service_annotations={"example.com/lb": "internal"}
    )
    objects = by_name(synth_redis, metrics=RedisMetrics(), pod_options=options)
    deployment = objects[("Deployment", "redis")]
    assert deployment["spec"]["template"]["metadata"]["annotations"] == {"example.com/owner": "platform"}
    assert "annotations" not in deployment["metadata"]
    assert objects[("Service", "redis")]["metadata"]["annotations"] == {"example.com/lb": "internal"}
    assert "annotations" not in objects[("Service", "redis-metrics")]["metadata"]


def test_annotations_up_to_the_limit_are_accepted(synth_redis: SynthRedis) -> None:
    key = "example.com/blob"
    value = "x" * (MAX_ANNOTATIONS_BYTES - len(key))
    spec = by_name(synth_redis, pod_options=RedisPodOptions(pod_annotations={key: value}))
    assert spec[("Deployment", "redis")]["spec"]["template"]["metadata"]["annotations"][key] == value


@pytest.mark.parametrize(
    "value",
    [
        RedisPodOptions(),
        RedisPodOptions(
            image_pull_policy="Never",
            image_pull_secrets=("a",),
            service_account_name="b",
            pod_annotations={"c": "d"},
            service_annotations={"e": "f"},
        ),
    ],
    ids=["default", "everything"],
)
def test_repr_is_the_call_that_rebuilds_the_value(value: RedisPodOptions) -> None:
    assert eval(repr(value), vars(agentsmith)) == value
    assert repr(value).startswith("RedisPodOptions(image_pull_policy=")


# -- Bad props: one exact error each, before any API object (tests/_bad_props.py) --------

KEY_NAME = f"key name {LABEL_CHARS}"
TOO_BIG = "must be at most 262144 bytes (256 KiB) of keys and values together, as the API server allows"


def opts(**fields: Any) -> dict[str, Any]:
    return {"pod_options": RedisPodOptions(**fields)}


BAD_PROPS = [
    bad(
        "pod-options-a-dict",
        "redis",
        "pod_options",
        {"image_pull_policy": "Always"},
        "must be an agentsmith.RedisPodOptions",
        "Pass RedisPodOptions(image_pull_policy=...).",
    ),
    bad(
        "pull-policy-case",
        "redis",
        "pod_options.image_pull_policy",
        "ifnotpresent",
        "must be 'Always', 'IfNotPresent' or 'Never'",
        "Did you mean 'IfNotPresent'?",
        **opts(image_pull_policy="ifnotpresent"),
    ),
    bad(
        "pull-policy-unknown",
        "redis",
        "pod_options.image_pull_policy",
        "Sometimes",
        "must be 'Always', 'IfNotPresent' or 'Never'",
        "Use 'IfNotPresent', 'Always' or 'Never', or None.",
        **opts(image_pull_policy="Sometimes"),
    ),
    bad(
        "pull-policy-empty",
        "redis",
        "pod_options.image_pull_policy",
        "",
        "must be 'Always', 'IfNotPresent' or 'Never'",
        "Use 'IfNotPresent', 'Always' or 'Never', or None.",
        **opts(image_pull_policy=""),
    ),
    bad(
        "pull-policy-a-bool",
        "redis",
        "pod_options.image_pull_policy",
        True,
        "must be 'Always', 'IfNotPresent' or 'Never'",
        "Use 'IfNotPresent', 'Always' or 'Never', or None.",
        **opts(image_pull_policy=True),
    ),
    bad(
        "pull-secrets-a-string",
        "redis",
        "pod_options.image_pull_secrets",
        "regcred",
        "must be a sequence of Secret names",
        "Pass a tuple, e.g. ('registry-credentials',).",
        **opts(image_pull_secrets="regcred"),
    ),
    bad(
        "pull-secret-not-a-subdomain",
        "redis",
        "pod_options.image_pull_secrets[1]",
        "Reg_Cred",
        SUBDOMAIN,
        "Did you mean 'reg-cred'?",
        **opts(image_pull_secrets=("ok", "Reg_Cred")),
    ),
    bad(
        "pull-secret-none",
        "redis",
        "pod_options.image_pull_secrets[0]",
        None,
        SUBDOMAIN,
        "Use a name such as 'agentsmith-secrets'.",
        **opts(image_pull_secrets=(None,)),
    ),
    bad(
        "pull-secret-twice",
        "redis",
        "pod_options.image_pull_secrets[1]",
        "regcred",
        "is listed twice",
        "List each Secret once.",
        **opts(image_pull_secrets=("regcred", "regcred")),
    ),
    bad(
        "service-account-invalid",
        "redis",
        "pod_options.service_account_name",
        "Redis SA",
        SUBDOMAIN,
        "Did you mean 'redis-sa'?",
        **opts(service_account_name="Redis SA"),
    ),
    bad(
        "service-account-empty",
        "redis",
        "pod_options.service_account_name",
        "",
        SUBDOMAIN,
        "Use a name such as 'redis'.",
        **opts(service_account_name=""),
    ),
    bad(
        "pod-annotations-a-list",
        "redis",
        "pod_options.pod_annotations",
        ["a=b"],
        "must be a mapping of annotation keys to strings",
        "Pass a dict.",
        **opts(pod_annotations=["a=b"]),
    ),
    bad(
        "pod-annotation-key",
        "redis",
        "pod_options.pod_annotations",
        "owner team",
        KEY_NAME,
        "Did you mean 'owner-team'?",
        **opts(pod_annotations={"owner team": "x"}),
    ),
    bad(
        "service-annotation-key-prefix",
        "redis",
        "pod_options.service_annotations",
        "Example.com/lb",
        "key prefix must be a lowercase DNS subdomain such as 'example.com'",
        "Did you mean 'example.com/lb'?",
        **opts(service_annotations={"Example.com/lb": "internal"}),
    ),
    bad(
        "pod-annotation-value-a-number",
        "redis",
        "pod_options.pod_annotations['example.com/replicas']",
        1,
        "must be a string",
        "Quote it: '1'.",
        **opts(pod_annotations={"example.com/replicas": 1}),
    ),
    bad(
        "service-annotation-value-none",
        "redis",
        "pod_options.service_annotations['a']",
        None,
        "must be a string",
        "Use a string.",
        **opts(service_annotations={"a": None}),
    ),
    bad(
        "pod-annotation-value-yaml-number",
        "redis",
        "pod_options.pod_annotations['a']",
        "0X1F",
        YAML_NUMBER,
        "Use a value with a letter before the digits, e.g. 'v0X1F'.",
        **opts(pod_annotations={"a": "0X1F"}),
    ),
    bad(
        "pod-annotations-over-256-kib",
        "redis",
        "pod_options.pod_annotations",
        "<2 annotations, 262145 bytes>",
        TOO_BIG,
        "Keep large data in a ConfigMap and annotate a reference to it.",
        **opts(pod_annotations={"a": "x" * (MAX_ANNOTATIONS_BYTES - 2), "b": "y"}),
    ),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)
