"""AgentsmithNamespace."""

from __future__ import annotations

from typing import Any

import cdk8s
import pytest
from _support import SynthChart, in_memory_app

from agentsmith import AgentsmithNamespace


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
