"""AgentsmithNamespace."""

from __future__ import annotations

from typing import Any

import cdk8s
import pytest
from _bad_props import LABEL_CHARS, RFC1123, TOO_LONG, YAML_NUMBER, BadChart, BadInput, bad
from _support import SynthChart, in_memory_app

from agentsmith import AgentsmithNamespace, PodSecurity


def test_defaults(synth_chart: SynthChart, snapshot_yaml: Any) -> None:
    names: list[str] = []
    objects = synth_chart(lambda chart: names.append(AgentsmithNamespace(chart, "namespace").name), namespace=None)
    assert names == ["agentsmith"]
    assert objects == snapshot_yaml
    (namespace,) = objects
    assert namespace["kind"] == "Namespace"
    assert namespace["metadata"]["name"] == "agentsmith"
    assert "namespace" not in namespace["metadata"]


def test_name_and_labels(synth_chart: SynthChart) -> None:
    objects = synth_chart(
        lambda chart: AgentsmithNamespace(chart, "namespace", name="agents-dev", labels={"team": "platform"}),
        namespace=None,
    )
    assert objects[0]["metadata"]["name"] == "agents-dev"
    assert objects[0]["metadata"]["labels"]["team"] == "platform"


def test_construct_id_is_stable() -> None:
    app = in_memory_app()
    chart = cdk8s.Chart(app, "namespace")
    assert AgentsmithNamespace(chart, "namespace").api_object.node.path == "namespace/namespace/Namespace"


def test_handles_are_named_after_the_kind_and_read_only() -> None:
    # GIVEN a namespace with extra labels
    app = in_memory_app()
    namespace = AgentsmithNamespace(cdk8s.Chart(app, "namespace"), "namespace", labels={"team": "platform"})
    # THEN the Namespace object is `.api_object`, and no other handle names it
    assert namespace.api_object.kind == "Namespace"
    assert not hasattr(namespace, "namespace")
    # AND its labels cannot be changed after construction (an edit would not reach the manifest)
    assert namespace.labels["team"] == "platform"
    with pytest.raises(TypeError):
        namespace.labels["team"] = "other"  # type: ignore[index]


# -- Bad props: one exact error each, before any API object (tests/_bad_props.py) --------

SYSTEM_NS = (
    "must not be a system namespace (default, kube-*): applying it would relabel that namespace "
    "and deleting the app would delete it"
)
SYSTEM_NS_FIX = (
    "Use a namespace of its own such as 'agentsmith'; to deploy into an existing namespace, leave "
    "AgentsmithNamespace out and pass namespace=... to the other constructs."
)
PSA_VERSION = "must be 'latest' or 'v1.<minor>' with no leading zeros"

BAD_PROPS = [
    # -- AgentsmithNamespace 'name': DNS-1123 label --------------------------------
    bad("namespace-name-uppercase", "namespace", "name", "AgentSmith", RFC1123, "Did you mean 'agentsmith'?"),
    bad("namespace-name-trailing-dash", "namespace", "name", "agentsmith-", RFC1123, "Did you mean 'agentsmith'?"),
    bad("namespace-name-leading-dash", "namespace", "name", "-agentsmith", RFC1123, "Did you mean 'agentsmith'?"),
    bad("namespace-name-64-chars", "namespace", "name", "n" * 64, TOO_LONG, "Use a shorter name."),
    # A namespace's example is a namespace name, not the Redis default (issue 12, unclear errors).
    bad(
        "namespace-name-empty",
        "namespace",
        "name",
        "",
        "must be a non-empty string",
        "Use a name such as 'agentsmith'.",
    ),
    bad("namespace-name-symbols", "namespace", "name", "!!!", RFC1123, "Use a name such as 'agentsmith'."),
    bad("namespace-kube-system", "namespace", "name", "kube-system", SYSTEM_NS, SYSTEM_NS_FIX),
    bad("namespace-default", "namespace", "name", "default", SYSTEM_NS, SYSTEM_NS_FIX),
    bad("namespace-kube-prefix", "namespace", "name", "kube-agents", SYSTEM_NS, SYSTEM_NS_FIX),
    bad(
        "namespace-name-yaml-octal",
        "namespace",
        "name",
        "0o17",
        YAML_NUMBER,
        "Use a value with a letter before the digits, e.g. 'v0o17'.",
    ),
    bad(
        "psa-level-typo",
        "namespace",
        "pod_security.enforce",
        "Restricted",
        "must be one of privileged, baseline, restricted",
        "Did you mean 'restricted'?",
        pod_security=PodSecurity(enforce="Restricted"),
    ),
    bad(
        "psa-level-unrelated",
        "namespace",
        "pod_security.enforce",
        "high",
        "must be one of privileged, baseline, restricted",
        "Use 'baseline' or 'restricted'.",
        pod_security=PodSecurity(enforce="high"),
    ),
    bad(
        "psa-version-leading-zero",
        "namespace",
        "pod_security.version",
        "v1.027",
        PSA_VERSION,
        "Did you mean 'v1.27'?",
        pod_security=PodSecurity(version="v1.027"),
    ),
    bad(
        "psa-version-no-v",
        "namespace",
        "pod_security.version",
        "1.27",
        PSA_VERSION,
        "Did you mean 'v1.27'?",
        pod_security=PodSecurity(version="1.27"),
    ),
    bad(
        "psa-version-v2",
        "namespace",
        "pod_security.version",
        "v2.0",
        PSA_VERSION,
        "Use 'v1.27' (the default) or 'latest'.",
        pod_security=PodSecurity(version="v2.0"),
    ),
    bad(
        "psa-version-not-a-string",
        "namespace",
        "pod_security.version",
        1.27,
        PSA_VERSION,
        "Use 'v1.27' (the default) or 'latest'.",
        pod_security=PodSecurity(version=1.27),  # type: ignore[arg-type]
    ),
    bad(
        "label-key-64-chars",
        "namespace",
        "labels",
        "k" * 64,
        f"key name {LABEL_CHARS}",
        f"Did you mean {'k' * 63!r}?",
        labels={"k" * 64: "x"},
    ),
    bad(
        "label-value-leading-dash",
        "namespace",
        "labels",
        "-x",
        f"value for 'team' {LABEL_CHARS}",
        "Did you mean 'x'?",
        labels={"team": "-x"},
    ),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)


# -- valid edge cases of the props: these must keep passing ------------------------------


def test_namespace_name_may_start_with_a_digit(synth_chart: SynthChart) -> None:
    objects = synth_chart(lambda chart: AgentsmithNamespace(chart, "namespace", name="1agents"), namespace=None)
    assert [obj["metadata"]["name"] for obj in objects] == ["1agents"]


@pytest.mark.parametrize("version", ["latest", "v1.0", "v1.30"])
def test_psa_version_latest_and_v1_0_pass(version: str, synth_chart: SynthChart) -> None:
    security = PodSecurity(version=version)
    objects = synth_chart(lambda chart: AgentsmithNamespace(chart, "namespace", pod_security=security), namespace=None)
    assert objects[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce-version"] == version
