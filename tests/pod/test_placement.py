"""RedisPlacement: defaults, the pod spec fields each field writes, a fully set example against the 1.27 schema,
the repr that rebuilds it, and one exact error per bad field."""

from __future__ import annotations

import re
from typing import Any

import pytest
from _bad_props import LABEL_CHARS, SUBDOMAIN, YAML_NUMBER, BadChart, BadInput, bad
from _pss import violations as pss_violations
from _support import ROOT, SynthRedis

import agentsmith
from agentsmith import (
    DEFAULT_PLACEMENT,
    DEFAULT_POD_OPTIONS,
    MatchExpression,
    NodeAffinityTerm,
    PodAntiAffinityTerm,
    RedisDisruption,
    RedisMetrics,
    RedisPlacement,
    RedisPodOptions,
    Toleration,
    TopologySpread,
)
from agentsmith.pod.placement import pod_spec_fields
from testkit import apiserver
from testkit.schema import validate

ZONE = "topology.kubernetes.io/zone"
PLACEMENT_FIELDS = ("nodeSelector", "tolerations", "affinity", "topologySpreadConstraints", "priorityClassName")


def pod_spec(synth_redis: SynthRedis, **props: Any) -> dict[str, Any]:
    (deployment,) = [o for o in synth_redis(**props) if o["kind"] == "Deployment"]
    spec: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return spec


# -- defaults ------------------------------------------------------------------------------------------------------


def test_default_is_no_placement() -> None:
    assert DEFAULT_PLACEMENT == RedisPlacement()
    assert dict(DEFAULT_PLACEMENT.node_selector) == {}
    assert DEFAULT_PLACEMENT.tolerations == ()
    assert DEFAULT_PLACEMENT.node_affinity == ()
    assert DEFAULT_PLACEMENT.pod_anti_affinity == ()
    assert DEFAULT_PLACEMENT.topology_spread == ()
    assert DEFAULT_PLACEMENT.priority_class_name is None
    assert pod_spec_fields(DEFAULT_PLACEMENT) == {}


def test_field_defaults() -> None:
    toleration = Toleration()
    assert (toleration.key, toleration.operator, toleration.value, toleration.effect) == (None, "Equal", None, None)
    assert toleration.toleration_seconds is None
    assert MatchExpression(key="k", operator="Exists").values == ()
    assert NodeAffinityTerm(match=()).weight is None
    term = PodAntiAffinityTerm()
    assert (dict(term.match_labels), term.match_expressions, term.topology_key) == ({}, (), "kubernetes.io/hostname")
    assert (term.namespaces, term.weight) == (None, None)
    spread = TopologySpread(topology_key=ZONE, match_labels={"tier": "bus"})
    assert (spread.max_skew, spread.when_unsatisfiable) == (1, "DoNotSchedule")


def test_defaults_write_no_placement_field(synth_redis: SynthRedis) -> None:
    spec = pod_spec(synth_redis)
    assert not set(PLACEMENT_FIELDS) & set(spec)
    # the explicit default is the same configuration, byte for byte
    assert synth_redis.yaml(placement=RedisPlacement()) == synth_redis.yaml()


# -- each field ----------------------------------------------------------------------------------------------------


def test_node_selector_and_priority_class(synth_redis: SynthRedis) -> None:
    spec = pod_spec(
        synth_redis, placement=RedisPlacement(node_selector={"pool": "infra"}, priority_class_name="bus-high")
    )
    assert spec["nodeSelector"] == {"pool": "infra"}
    assert spec["priorityClassName"] == "bus-high"


@pytest.mark.parametrize("name", ["system-cluster-critical", "system-node-critical"])
def test_the_two_system_priority_classes_are_accepted(name: str, synth_redis: SynthRedis) -> None:
    assert pod_spec(synth_redis, placement=RedisPlacement(priority_class_name=name))["priorityClassName"] == name


def test_tolerations_write_only_what_is_set(synth_redis: SynthRedis) -> None:
    placement = RedisPlacement(
        tolerations=(
            Toleration(key="dedicated", value="bus", effect="NoSchedule"),
            Toleration(
                key="node.kubernetes.io/unreachable", operator="Exists", effect="NoExecute", toleration_seconds=30
            ),
            Toleration(operator="Exists"),
        )
    )
    assert pod_spec(synth_redis, placement=placement)["tolerations"] == [
        {"key": "dedicated", "operator": "Equal", "value": "bus", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30},
        {"operator": "Exists"},
    ]


def test_node_affinity_required_terms_are_alternatives_preferred_terms_weighted(synth_redis: SynthRedis) -> None:
    zone = MatchExpression(key=ZONE, operator="In", values=("a", "b"))
    pool = MatchExpression(key="pool", operator="NotIn", values=("batch",))
    newer = MatchExpression(key="example.com/cpu-generation", operator="Gt", values=("3",))
    placement = RedisPlacement(
        node_affinity=(
            NodeAffinityTerm(match=(zone, pool)),
            NodeAffinityTerm(match=(MatchExpression(key="bus", operator="Exists"),)),
            NodeAffinityTerm(match=(newer,), weight=60),
        )
    )
    assert pod_spec(synth_redis, placement=placement)["affinity"] == {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {"key": ZONE, "operator": "In", "values": ["a", "b"]},
                            {"key": "pool", "operator": "NotIn", "values": ["batch"]},
                        ]
                    },
                    {"matchExpressions": [{"key": "bus", "operator": "Exists"}]},
                ]
            },
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 60,
                    "preference": {
                        "matchExpressions": [{"key": "example.com/cpu-generation", "operator": "Gt", "values": ["3"]}]
                    },
                }
            ],
        }
    }


def test_pod_anti_affinity(synth_redis: SynthRedis) -> None:
    placement = RedisPlacement(
        pod_anti_affinity=(
            PodAntiAffinityTerm(match_labels={"app.kubernetes.io/name": "postgres"}),
            PodAntiAffinityTerm(
                match_expressions=(MatchExpression(key="tier", operator="In", values=("batch",)),),
                topology_key=ZONE,
                namespaces=("jobs",),
                weight=20,
            ),
        )
    )
    assert pod_spec(synth_redis, placement=placement)["affinity"] == {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "postgres"}},
                    "topologyKey": "kubernetes.io/hostname",
                }
            ],
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 20,
                    "podAffinityTerm": {
                        "labelSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["batch"]}]},
                        "topologyKey": ZONE,
                        "namespaces": ["jobs"],
                    },
                }
            ],
        }
    }


def test_topology_spread_counts_the_pods_the_labels_select(synth_redis: SynthRedis) -> None:
    spread = TopologySpread(topology_key=ZONE, match_labels={"tier": "bus"}, when_unsatisfiable="ScheduleAnyway")
    spec = pod_spec(synth_redis, labels={"tier": "bus"}, placement=RedisPlacement(topology_spread=(spread,)))
    assert spec["topologySpreadConstraints"] == [
        {
            "labelSelector": {"matchLabels": {"tier": "bus"}},
            "maxSkew": 1,
            "topologyKey": ZONE,
            "whenUnsatisfiable": "ScheduleAnyway",
        }
    ]


# -- everything set ------------------------------------------------------------------------------------------------

#: Every field of RedisPlacement and RedisPodOptions set, with a PodDisruptionBudget and the exporter.
EVERYTHING: dict[str, Any] = {
    "labels": {"tier": "bus"},
    "metrics": RedisMetrics(),
    "placement": RedisPlacement(
        node_selector={"pool": "infra"},
        tolerations=(
            Toleration(key="dedicated", value="bus", effect="NoSchedule"),
            Toleration(operator="Exists", effect="NoExecute", toleration_seconds=300),
        ),
        node_affinity=(
            NodeAffinityTerm(match=(MatchExpression(key=ZONE, operator="In", values=("a", "b")),)),
            NodeAffinityTerm(match=(MatchExpression(key="gen", operator="Lt", values=("9",)),), weight=1),
        ),
        pod_anti_affinity=(
            PodAntiAffinityTerm(match_labels={"app.kubernetes.io/name": "postgres"}),
            PodAntiAffinityTerm(
                match_labels={"tier": "batch"},
                match_expressions=(MatchExpression(key="heavy", operator="DoesNotExist"),),
                topology_key=ZONE,
                namespaces=("jobs", "agentsmith"),
                weight=100,
            ),
        ),
        topology_spread=(TopologySpread(topology_key=ZONE, match_labels={"tier": "bus"}, max_skew=2),),
        priority_class_name="bus-high",
    ),
    "pod_options": RedisPodOptions(
        image_pull_policy="IfNotPresent",
        image_pull_secrets=("registry-a", "registry.b"),
        service_account_name="redis-bus",
        pod_annotations={"example.com/team": "platform", "cluster-autoscaler.kubernetes.io/safe-to-evict": "false"},
        service_annotations={"service.beta.kubernetes.io/aws-load-balancer-internal": "true"},
    ),
    "disruption": RedisDisruption.wait_for_bus(),
}


def test_everything_set_is_valid_against_the_1_27_schema_and_the_api_servers_rules(synth_redis: SynthRedis) -> None:
    objects = {(o["kind"], o["metadata"]["name"]): o for o in synth_redis(**EVERYTHING)}
    for key in (("Deployment", "redis"), ("Service", "redis"), ("PodDisruptionBudget", "redis")):
        assert validate(objects[key]) == "1.27", key  # strict: an unknown field fails
        assert apiserver.violations(objects[key]) == [], key
    template = objects[("Deployment", "redis")]["spec"]["template"]
    assert pss_violations(template) == []  # still Pod Security "restricted"
    assert template["spec"]["automountServiceAccountToken"] is False


def test_everything_set_exact_pod_template(synth_redis: SynthRedis) -> None:
    (deployment,) = [o for o in synth_redis(**EVERYTHING) if o["kind"] == "Deployment"]
    template = deployment["spec"]["template"]
    spec = template["spec"]
    pulls = {c["name"]: c["imagePullPolicy"] for c in spec.pop("containers")}
    assert pulls == {"redis": "IfNotPresent", "redis-exporter": "IfNotPresent"}
    assert template["metadata"] == {
        "labels": {"app": "redis", "tier": "bus"},
        "annotations": {"example.com/team": "platform", "cluster-autoscaler.kubernetes.io/safe-to-evict": "false"},
    }
    assert spec == {
        "affinity": {
            "nodeAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "preference": {"matchExpressions": [{"key": "gen", "operator": "Lt", "values": ["9"]}]},
                        "weight": 1,
                    }
                ],
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": [{"key": ZONE, "operator": "In", "values": ["a", "b"]}]}]
                },
            },
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "podAffinityTerm": {
                            "labelSelector": {
                                "matchExpressions": [{"key": "heavy", "operator": "DoesNotExist"}],
                                "matchLabels": {"tier": "batch"},
                            },
                            "namespaces": ["jobs", "agentsmith"],
                            "topologyKey": ZONE,
                        },
                        "weight": 100,
                    }
                ],
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "postgres"}},
                        "topologyKey": "kubernetes.io/hostname",
                    }
                ],
            },
        },
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "imagePullSecrets": [{"name": "registry-a"}, {"name": "registry.b"}],
        "nodeSelector": {"pool": "infra"},
        "priorityClassName": "bus-high",
        "securityContext": {
            "fsGroup": 999,
            "runAsNonRoot": True,
            "runAsUser": 999,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "serviceAccountName": "redis-bus",
        "tolerations": [
            {"effect": "NoSchedule", "key": "dedicated", "operator": "Equal", "value": "bus"},
            {"effect": "NoExecute", "operator": "Exists", "tolerationSeconds": 300},
        ],
        "topologySpreadConstraints": [
            {
                "labelSelector": {"matchLabels": {"tier": "bus"}},
                "maxSkew": 2,
                "topologyKey": ZONE,
                "whenUnsatisfiable": "DoNotSchedule",
            }
        ],
    }


@pytest.mark.parametrize(
    "value",
    [
        RedisPlacement(),
        EVERYTHING["placement"],
        RedisPlacement(node_selector={"a": "b"}, priority_class_name="x"),
    ],
    ids=["default", "everything", "small"],
)
def test_repr_is_the_call_that_rebuilds_the_value(value: RedisPlacement) -> None:
    assert eval(repr(value), vars(agentsmith)) == value
    assert repr(value).startswith("RedisPlacement(node_selector={")


def test_default_node_selector_cannot_be_changed_through_the_default() -> None:
    with pytest.raises(TypeError):
        DEFAULT_PLACEMENT.node_selector["pool"] = "x"  # type: ignore[index]
    assert DEFAULT_POD_OPTIONS == RedisPodOptions()


# -- Bad props: one exact error each, before any API object (tests/_bad_props.py) --------

KEY_NAME = f"key name {LABEL_CHARS}"
LABEL_VALUE = f"must be a label value: {LABEL_CHARS.removeprefix('must be ')}"
OPERATORS = "'In', 'NotIn', 'Exists', 'DoesNotExist'"
NODE_OPERATORS = f"{OPERATORS}, 'Gt', 'Lt'"
WEIGHT_FIX = "Use a weight from 1 to 100, or None for a hard requirement."


def place(**fields: Any) -> dict[str, Any]:
    return {"placement": RedisPlacement(**fields)}


def tol(**fields: Any) -> dict[str, Any]:
    return place(tolerations=(Toleration(**fields),))


def node(*expressions: MatchExpression, weight: Any = None) -> dict[str, Any]:
    return place(node_affinity=(NodeAffinityTerm(match=expressions, weight=weight),))


def anti(**fields: Any) -> dict[str, Any]:
    return place(pod_anti_affinity=(PodAntiAffinityTerm(**fields),))


def spread(*constraints: TopologySpread) -> dict[str, Any]:
    return place(topology_spread=constraints)


def expr(key: Any = "pool", operator: Any = "In", values: Any = ("a",)) -> MatchExpression:
    return MatchExpression(key=key, operator=operator, values=values)


BAD_PROPS = [
    bad(
        "placement-a-dict",
        "redis",
        "placement",
        {"nodeSelector": {}},
        "must be an agentsmith.RedisPlacement",
        "Pass RedisPlacement(node_selector=...).",
    ),
    # node_selector
    bad(
        "node-selector-a-list",
        "redis",
        "placement.node_selector",
        ["pool"],
        "must be a mapping of label keys to values",
        "Pass a dict such as {'app': 'x'}.",
        **place(node_selector=["pool"]),
    ),
    bad(
        "node-selector-key",
        "redis",
        "placement.node_selector",
        "node pool",
        KEY_NAME,
        "Did you mean 'node-pool'?",
        **place(node_selector={"node pool": "infra"}),
    ),
    bad(
        "node-selector-value",
        "redis",
        "placement.node_selector['pool']",
        "infra pool",
        LABEL_VALUE,
        "Use e.g. 'dispatcher'.",
        **place(node_selector={"pool": "infra pool"}),
    ),
    bad(
        "node-selector-value-yaml-number",
        "redis",
        "placement.node_selector['pool']",
        "0o17",
        YAML_NUMBER,
        "Use a value with a letter before the digits, e.g. 'v0o17'.",
        **place(node_selector={"pool": "0o17"}),
    ),
    # tolerations
    bad(
        "tolerations-one-not-a-sequence",
        "redis",
        "placement.tolerations",
        Toleration(key="a"),
        "must be a sequence of Toleration",
        "Pass a tuple, e.g. (Toleration(key='dedicated', value='bus'),).",
        **place(tolerations=Toleration(key="a")),
    ),
    bad(
        "tolerations-a-dict-inside",
        "redis",
        "placement.tolerations[0]",
        {"key": "a"},
        "must be an agentsmith.Toleration",
        "Pass Toleration(...).",
        **place(tolerations=({"key": "a"},)),
    ),
    bad(
        "toleration-operator-case",
        "redis",
        "placement.tolerations[0].operator",
        "exists",
        "must be one of 'Equal', 'Exists'",
        "Did you mean 'Exists'?",
        **tol(key="a", operator="exists"),
    ),
    bad(
        "toleration-operator-unknown",
        "redis",
        "placement.tolerations[0].operator",
        "In",
        "must be one of 'Equal', 'Exists'",
        "Use one of 'Equal', 'Exists'.",
        **tol(key="a", operator="In"),
    ),
    bad(
        "toleration-no-key-with-equal",
        "redis",
        "placement.tolerations[0].operator",
        "Equal",
        "must be 'Exists' when 'key' is empty (a toleration of every taint)",
        "Name the taint's key, or use operator='Exists' to tolerate every taint.",
        **tol(value="bus"),
    ),
    bad(
        "toleration-key-invalid",
        "redis",
        "placement.tolerations[0].key",
        "Example.com/dedicated",
        "key prefix must be a lowercase DNS subdomain such as 'example.com'",
        "Did you mean 'example.com/dedicated'?",
        **tol(key="Example.com/dedicated"),
    ),
    bad(
        "toleration-exists-with-value",
        "redis",
        "placement.tolerations[0].value",
        "bus",
        "must be empty when 'operator' is 'Exists'",
        "Drop the value, or use operator='Equal'.",
        **tol(key="dedicated", operator="Exists", value="bus"),
    ),
    bad(
        "toleration-value-invalid",
        "redis",
        "placement.tolerations[0].value",
        "bus/a",
        LABEL_VALUE,
        "Use e.g. 'dispatcher'.",
        **tol(key="dedicated", value="bus/a"),
    ),
    bad(
        "toleration-effect-unknown",
        "redis",
        "placement.tolerations[0].effect",
        "NoEvict",
        "must be one of 'NoSchedule', 'PreferNoSchedule', 'NoExecute'",
        "Use one of 'NoSchedule', 'PreferNoSchedule', 'NoExecute'.",
        **tol(key="dedicated", effect="NoEvict"),
    ),
    bad(
        "toleration-effect-case",
        "redis",
        "placement.tolerations[0].effect",
        "noschedule",
        "must be one of 'NoSchedule', 'PreferNoSchedule', 'NoExecute'",
        "Did you mean 'NoSchedule'?",
        **tol(key="dedicated", effect="noschedule"),
    ),
    bad(
        "toleration-seconds-without-noexecute",
        "redis",
        "placement.tolerations[0].toleration_seconds",
        60,
        "is only allowed with effect='NoExecute' (the API server refuses it otherwise)",
        "Set effect='NoExecute', or drop toleration_seconds.",
        **tol(key="dedicated", effect="NoSchedule", toleration_seconds=60),
    ),
    bad(
        "toleration-seconds-negative",
        "redis",
        "placement.tolerations[0].toleration_seconds",
        -1,
        "must be at least 0",
        "Use 0 or more seconds (Kubernetes reads a negative number as 0).",
        **tol(key="dedicated", effect="NoExecute", toleration_seconds=-1),
    ),
    bad(
        "toleration-seconds-a-string",
        "redis",
        "placement.tolerations[0].toleration_seconds",
        "300",
        "must be an integer, not a str",
        "Pass the number without quotes: 300.",
        **tol(key="dedicated", effect="NoExecute", toleration_seconds="300"),
    ),
    # node affinity
    bad(
        "node-affinity-a-term",
        "redis",
        "placement.node_affinity",
        NodeAffinityTerm(match=()),
        "must be a sequence of NodeAffinityTerm",
        "Pass a tuple, e.g. (NodeAffinityTerm(match=(...)),).",
        **place(node_affinity=NodeAffinityTerm(match=())),
    ),
    bad(
        "node-affinity-empty-match",
        "redis",
        "placement.node_affinity[0].match",
        (),
        "must not be empty: a required term without requirements matches no node, a preferred one every node",
        "Add a MatchExpression, or drop the term.",
        **node(),
    ),
    bad(
        "node-affinity-operator",
        "redis",
        "placement.node_affinity[0].match[0].operator",
        "Equals",
        f"must be one of {NODE_OPERATORS}",
        f"Use one of {NODE_OPERATORS}.",
        **node(expr(operator="Equals")),
    ),
    bad(
        "node-affinity-in-without-values",
        "redis",
        "placement.node_affinity[0].match[0].values",
        (),
        "must not be empty with operator 'In'",
        "List the label values to match, e.g. ('infra',).",
        **node(expr(values=())),
    ),
    bad(
        "node-affinity-exists-with-values",
        "redis",
        "placement.node_affinity[0].match[0].values",
        ("a",),
        "must be empty with operator 'Exists'",
        "Drop the values, or use 'In'.",
        **node(expr(operator="Exists")),
    ),
    bad(
        "node-affinity-gt-two-values",
        "redis",
        "placement.node_affinity[0].match[0].values",
        ("1", "2"),
        "must be exactly one integer with operator 'Gt'",
        "Pass one number as a string, e.g. ('4',).",
        **node(expr(operator="Gt", values=("1", "2"))),
    ),
    bad(
        "node-affinity-lt-not-a-number",
        "redis",
        "placement.node_affinity[0].match[0].values",
        ("four",),
        "must be exactly one integer with operator 'Lt'",
        "Pass one number as a string, e.g. ('4',).",
        **node(expr(operator="Lt", values=("four",))),
    ),
    bad(
        "node-affinity-values-a-string",
        "redis",
        "placement.node_affinity[0].match[0].values",
        "infra",
        "must be a sequence of strings",
        "Pass a tuple, e.g. ('a', 'b').",
        **node(expr(values="infra")),
    ),
    bad(
        "node-affinity-value-invalid",
        "redis",
        "placement.node_affinity[0].match[0].values[0]",
        "a b",
        LABEL_VALUE,
        "Use e.g. 'dispatcher'.",
        **node(expr(values=("a b",))),
    ),
    bad(
        "node-affinity-key-empty",
        "redis",
        "placement.node_affinity[0].match[0].key",
        "",
        "keys must be non-empty strings",
        "Use a key such as 'team'.",
        **node(expr(key="")),
    ),
    bad(
        "node-affinity-weight-zero",
        "redis",
        "placement.node_affinity[0].weight",
        0,
        "must be between 1 and 100",
        WEIGHT_FIX,
        **node(expr(), weight=0),
    ),
    bad(
        "node-affinity-weight-101",
        "redis",
        "placement.node_affinity[0].weight",
        101,
        "must be between 1 and 100",
        WEIGHT_FIX,
        **node(expr(), weight=101),
    ),
    # pod anti-affinity
    bad(
        "anti-affinity-empty-selector",
        "redis",
        "placement.pod_anti_affinity[0].match_labels",
        {},
        "must not be empty when 'match_expressions' is: an empty selector matches every pod",
        "Name the pods to keep away from, e.g. match_labels={'app.kubernetes.io/name': 'postgres'}.",
        **anti(),
    ),
    bad(
        "anti-affinity-gt-on-pods",
        "redis",
        "placement.pod_anti_affinity[0].match_expressions[0].operator",
        "Gt",
        f"must be one of {OPERATORS}",
        f"Use one of {OPERATORS}.",
        **anti(match_expressions=(expr(operator="Gt", values=("1",)),)),
    ),
    bad(
        "anti-affinity-label-value",
        "redis",
        "placement.pod_anti_affinity[0].match_labels['app']",
        "-pg",
        LABEL_VALUE,
        "Use e.g. 'dispatcher'.",
        **anti(match_labels={"app": "-pg"}),
    ),
    bad(
        "anti-affinity-topology-key",
        "redis",
        "placement.pod_anti_affinity[0].topology_key",
        "",
        "keys must be non-empty strings",
        "Use a key such as 'team'.",
        **anti(match_labels={"app": "pg"}, topology_key=""),
    ),
    bad(
        "anti-affinity-namespaces-a-string",
        "redis",
        "placement.pod_anti_affinity[0].namespaces",
        "jobs",
        "must be a sequence of namespace names",
        "Pass a tuple, e.g. ('jobs',).",
        **anti(match_labels={"app": "pg"}, namespaces="jobs"),
    ),
    bad(
        "anti-affinity-namespace-invalid",
        "redis",
        "placement.pod_anti_affinity[0].namespaces[0]",
        "Jobs",
        "must be an RFC 1123 label: lowercase letters, digits and '-', starting with a lowercase letter or digit "
        "and ending with a letter or digit",
        "Did you mean 'jobs'?",
        **anti(match_labels={"app": "pg"}, namespaces=("Jobs",)),
    ),
    bad(
        "anti-affinity-weight-bool",
        "redis",
        "placement.pod_anti_affinity[0].weight",
        True,
        "must be an integer, not a bool",
        WEIGHT_FIX,
        **anti(match_labels={"app": "pg"}, weight=True),
    ),
    # topology spread
    bad(
        "spread-max-skew-zero",
        "redis",
        "placement.topology_spread[0].max_skew",
        0,
        "must be at least 1",
        "Use 1 or more (1: as even as possible).",
        **spread(TopologySpread(topology_key=ZONE, match_labels={"tier": "bus"}, max_skew=0)),
    ),
    bad(
        "spread-when-unsatisfiable",
        "redis",
        "placement.topology_spread[0].when_unsatisfiable",
        "ScheduleAnyWay",
        "must be one of 'DoNotSchedule', 'ScheduleAnyway'",
        "Did you mean 'ScheduleAnyway'?",
        **spread(TopologySpread(topology_key=ZONE, match_labels={"tier": "bus"}, when_unsatisfiable="ScheduleAnyWay")),
    ),
    bad(
        "spread-topology-key",
        "redis",
        "placement.topology_spread[0].topology_key",
        "zone name",
        KEY_NAME,
        "Did you mean 'zone-name'?",
        **spread(TopologySpread(topology_key="zone name", match_labels={"tier": "bus"})),
    ),
    bad(
        "spread-empty-selector",
        "redis",
        "placement.topology_spread[0].match_labels",
        {},
        "must not be empty: an empty selector counts every pod of the namespace",
        "Name the pods to spread, e.g. match_labels={'tier': 'bus'} set on each bus with labels=.",
        **spread(TopologySpread(topology_key=ZONE, match_labels={})),
    ),
    bad(
        "spread-duplicate",
        "redis",
        "placement.topology_spread[1].topology_key",
        ZONE,
        "is listed twice with when_unsatisfiable='DoNotSchedule' (the API server refuses duplicates)",
        "Keep one constraint per topology key.",
        **spread(
            TopologySpread(topology_key=ZONE, match_labels={"tier": "bus"}),
            TopologySpread(topology_key=ZONE, match_labels={"tier": "other"}, max_skew=3),
        ),
    ),
    # priority class
    bad(
        "priority-class-reserved-prefix",
        "redis",
        "placement.priority_class_name",
        "system-bus",
        "must not start with 'system-': Kubernetes reserves the prefix for its own classes",
        "Use 'system-cluster-critical', 'system-node-critical' or a class of your own, e.g. 'bus-high'.",
        **place(priority_class_name="system-bus"),
    ),
    bad(
        "priority-class-not-a-subdomain",
        "redis",
        "placement.priority_class_name",
        "Bus_High",
        SUBDOMAIN,
        "Did you mean 'bus-high'?",
        **place(priority_class_name="Bus_High"),
    ),
    bad(
        "priority-class-empty",
        "redis",
        "placement.priority_class_name",
        "",
        SUBDOMAIN,
        "Use a name such as 'bus-high'.",
        **place(priority_class_name=""),
    ),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)


# -- docs/operations.md, "Placement and scheduling": its snippet runs ----------------------------------------------


def test_the_operations_snippet_builds_valid_objects(synth_chart: Any) -> None:
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = text.split("\n## Placement and scheduling\n", 1)[1].split("\n## ", 1)[0]
    (snippet,) = re.findall(r"```python\n(.*?)```", section, re.S)
    objects = synth_chart(lambda chart: exec(snippet, {"chart": chart}))  # the snippet, as a user pastes it
    by_key = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    for obj in objects:
        assert validate(obj) == "1.27", obj["kind"]
    spec = by_key[("Deployment", "redis")]["spec"]["template"]["spec"]
    assert spec["priorityClassName"] == "bus-critical"
    assert spec["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert by_key[("Service", "redis")]["metadata"]["annotations"] == {
        "example.com/dns-name": "bus.internal.example.com"
    }
