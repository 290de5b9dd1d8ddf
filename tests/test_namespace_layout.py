"""AgentsmithNamespace in the common cdk8s layout: one chart with ``namespace=`` holding the Namespace and the bus."""

from __future__ import annotations

from pathlib import Path

import cdk8s
import yaml
from _support import in_memory_app

from agentsmith import AgentsmithNamespace, EphemeralRedis


def test_one_namespaced_chart_holds_the_namespace_and_the_bus() -> None:
    # GIVEN one chart with namespace="jobs", as `cdk8s init python-app` users write it
    chart = cdk8s.Chart(in_memory_app(), "jobs", namespace="jobs", disable_resource_name_hashes=True)
    # WHEN the Namespace and the bus are added to it
    namespace = AgentsmithNamespace(chart, "namespace", name="jobs")
    EphemeralRedis(chart, "redis")
    objects = {(o["kind"], o["metadata"]["name"]): o for o in cdk8s.Testing.synth(chart)}
    # THEN the Namespace is cluster-scoped (no metadata.namespace) and everything else is in "jobs"
    assert "namespace" not in objects[("Namespace", "jobs")]["metadata"]
    assert objects[("Namespace", "jobs")]["metadata"]["labels"] == dict(namespace.labels)
    others = {key: o["metadata"].get("namespace") for key, o in objects.items() if key[0] != "Namespace"}
    assert set(others.values()) == {"jobs"}
    assert len(others) == 4


def test_a_chart_without_a_namespace_still_works(tmp_path: Path) -> None:
    app = cdk8s.App(outdir=str(tmp_path))
    chart = cdk8s.Chart(app, "namespace", disable_resource_name_hashes=True)
    AgentsmithNamespace(chart, "namespace")
    app.synth()
    (document,) = yaml.safe_load_all((tmp_path / "namespace.k8s.yaml").read_text(encoding="utf-8"))
    assert document["metadata"]["name"] == "agentsmith" and "namespace" not in document["metadata"]


def test_the_namespaced_layout_writes_the_same_files_as_main_py(tmp_path: Path, synth_dir: Path) -> None:
    # GIVEN main.py's objects in one namespaced chart instead of two charts (the app-wide checks run at synth)
    app = cdk8s.App(outdir=str(tmp_path), yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
    chart = cdk8s.Chart(app, "agentsmith", namespace="agentsmith", disable_resource_name_hashes=True)
    AgentsmithNamespace(chart, "namespace")
    EphemeralRedis(chart, "redis")
    app.synth()
    # THEN every file is byte-identical to dist/'s, the cluster-scoped Namespace included
    written = {path.name: path.read_bytes() for path in sorted(tmp_path.iterdir())}
    expected = {path.name: path.read_bytes() for path in sorted(synth_dir.glob("*.k8s.yaml"))}
    assert written == expected
