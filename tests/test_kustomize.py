"""``kubectl kustomize k8s/overlays/dev`` with the real tools: exact objects, strict schema, the seed's DoD.

The overlay is built once per module from the committed dist/ (test_dist_drift.py
proves dist/ is current). Every object is validated against the Kubernetes 1.27
schema in strict mode by ``kubernetes-validate``, which ships the schemas, so no
cluster and no network are needed. The seed's Definition of Done items that can be
checked without a cluster are named tests (``test_dod_*``) on the built output.
"""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import kubernetes_validate
import pytest
import yaml
from _support import ROOT, require_tool

from testkit import schema as strict_schema
from testkit.kustomize import K8S_VERSION, KUBECTL_HINT
from testkit.manifests import containers, the_container

OVERLAY = "k8s/overlays/dev"
NAMESPACE = "agentsmith"

#: (kind, namespace, name) of every object the overlay must produce, exactly once.
EXPECTED = [
    ("Deployment", NAMESPACE, "redis"),
    ("Namespace", None, NAMESPACE),
    ("NetworkPolicy", NAMESPACE, "redis"),
    ("Secret", NAMESPACE, "agentsmith-secrets"),
    ("Service", NAMESPACE, "redis"),
]
ObjectId = tuple[str, str | None, str]
KubeObject = dict[str, Any]


@dataclass(frozen=True)
class Build:
    """The output of one ``kubectl kustomize`` run."""

    objects: list[KubeObject]
    stderr: str

    def get(self, kind: str, name: str) -> KubeObject:
        (found,) = (obj for obj in self.objects if obj["kind"] == kind and obj["metadata"]["name"] == name)
        return found


def object_id(obj: KubeObject) -> ObjectId:
    return obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"]


def walk(node: object, path: str = "") -> Iterator[tuple[str, str, object]]:
    """Every (path, key, value) of the mappings nested anywhere in ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from walk(item, f"{path}[{index}]")


def kustomize_version(kubectl: str) -> str:
    result = subprocess.run(
        [kubectl, "version", "--client", "-o", "json"], capture_output=True, text=True, timeout=60, check=True
    )
    return str(json.loads(result.stdout).get("kustomizeVersion", "unknown"))


@pytest.fixture(scope="module")
def build() -> Build:
    """``kubectl kustomize k8s/overlays/dev``, run once for this module."""
    kubectl = require_tool("kubectl", KUBECTL_HINT)
    version = kustomize_version(kubectl)
    if not version.startswith("v5."):
        pytest.fail(f"{kubectl} bundles kustomize {version}; v5 is required: {KUBECTL_HINT}", pytrace=False)
    result = subprocess.run(
        [kubectl, "kustomize", OVERLAY], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"kubectl kustomize {OVERLAY} failed:\n{result.stderr}"
    objects = [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]
    return Build(objects=objects, stderr=result.stderr)


@pytest.fixture(scope="module")
def redis_container(build: Build) -> KubeObject:
    container: KubeObject
    container = the_container(build.get("Deployment", "redis"))
    return container


# --- the build ---------------------------------------------------------------------------------


@pytest.mark.subprocess  # kubectl kustomize
def test_overlay_builds_exactly_the_expected_objects(build: Build) -> None:
    # A list, not a set: a duplicated object fails here too.
    assert sorted(map(object_id, build.objects), key=str) == sorted(EXPECTED, key=str)


@pytest.mark.subprocess  # kubectl kustomize
def test_overlay_builds_without_warnings(build: Build) -> None:
    # kustomize warns on stderr about deprecated fields (commonLabels, bases, patchesJson6902).
    assert build.stderr == ""


@pytest.mark.parametrize("folder", ["k8s/base", OVERLAY])
def test_kustomizations_use_current_fields_only(folder: str) -> None:
    kustomization = yaml.safe_load((ROOT / folder / "kustomization.yaml").read_text(encoding="utf-8"))
    assert kustomization["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert kustomization["kind"] == "Kustomization"
    assert set(kustomization) <= {"apiVersion", "kind", "resources", "labels", "patches"}


@pytest.mark.subprocess  # kubectl kustomize
def test_dev_overlay_labels_metadata_but_never_selectors(build: Build) -> None:
    for obj in build.objects:
        assert obj["metadata"]["labels"]["environment"] == "dev", object_id(obj)
    for path, key, value in walk(build.objects):
        if key in ("selector", "matchLabels"):
            assert isinstance(value, dict) and "environment" not in value, path


# --- strict schema validation ----------------------------------------------------------------


def validate(obj: KubeObject) -> str:
    """Validate strictly against the Kubernetes 1.27 schema; returns the schema version used."""
    return strict_schema.validate(obj)


def schema_errors(obj: KubeObject) -> list[str]:
    """``validate`` as one line per error ("spec.replicas: 'one' is not of type ..."), not the whole schema."""
    try:
        version = validate(obj)
    except kubernetes_validate.ValidationError as error:
        return [f"{'.'.join(map(str, error.path))}: {error.message}"]
    return [] if version == K8S_VERSION else [f"validated against {version}, not {K8S_VERSION}"]


@pytest.mark.subprocess  # kubectl kustomize
def test_dod_applies_without_schema_errors(build: Build) -> None:
    # "deployment.yaml / service.yaml applies without errors", as far as the schema can tell offline.
    # Every built object, expected or not, so an unexpected one is validated too.
    errors = {"/".join(map(str, object_id(obj))): schema_errors(obj) for obj in build.objects}
    assert {name: found for name, found in errors.items() if found} == {}


@pytest.mark.parametrize(
    ("breakage", "errors"),
    [
        (
            "unknown-field",
            [
                "spec.template.spec.containers.0: "
                "Additional properties are not allowed ('imagePullPolicyy' was unexpected)"
            ],
        ),
        ("wrong-type", ["spec.replicas: 'one' is not of type 'integer', 'null'"]),
    ],
    ids=["unknown-field", "wrong-type"],
)
@pytest.mark.subprocess  # kubectl kustomize
def test_validator_rejects_a_broken_deployment(build: Build, breakage: str, errors: list[str]) -> None:
    # GIVEN the built Deployment with one deliberate mistake
    broken = copy.deepcopy(build.get("Deployment", "redis"))
    if breakage == "unknown-field":
        containers(broken)[0]["imagePullPolicyy"] = "Always"
    else:
        broken["spec"]["replicas"] = "one"
    # WHEN validated THEN strict validation fails and says where and why
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(broken)
    assert schema_errors(broken) == errors


def test_validator_rejects_an_unknown_kind() -> None:
    # An object without a schema must not pass silently.
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        validate({"apiVersion": "v1", "kind": "Frobnicate", "metadata": {"name": "x"}})


# --- the seed's Definition of Done -----------------------------------------------------------


@pytest.mark.subprocess  # kubectl kustomize
def test_dod_no_persistent_volume_or_claim_referenced(build: Build) -> None:
    assert not {"PersistentVolume", "PersistentVolumeClaim"} & {obj["kind"] for obj in build.objects}
    pvc_keys = {"persistentVolumeClaim", "volumeClaimTemplate", "volumeClaimTemplates"}
    assert [f"{path}.{key}" for path, key, _ in walk(build.objects) if key in pvc_keys] == []


@pytest.mark.subprocess  # kubectl kustomize
def test_dod_save_with_an_empty_argument_disables_persistence(redis_container: KubeObject) -> None:
    args = redis_container["args"]
    assert args.count("--save") == 1
    assert args[args.index("--save") + 1] == ""
    assert "--appendonly" not in args


@pytest.mark.subprocess  # kubectl kustomize
def test_dod_memory_limit_holds_maxmemory_under_churn(redis_container: KubeObject) -> None:
    # The seed's DoD line reads "Memory limit set to 384Mi (headroom above 256mb maxmemory)"; the measured
    # headroom is 13/16 of maxmemory plus the clients' budget (docs/design.md, "Sizing under eviction churn").
    assert redis_container["resources"]["limits"]["memory"] == "512Mi"
    args = redis_container["args"]
    assert args[args.index("--maxmemory") + 1] == "256mb"


@pytest.mark.subprocess  # kubectl kustomize
def test_dod_service_is_cluster_ip_only(build: Build) -> None:
    services = [obj for obj in build.objects if obj["kind"] == "Service"]
    assert [service["spec"]["type"] for service in services] == ["ClusterIP"]
    exposing = {"externalIPs", "externalName", "loadBalancerIP", "loadBalancerSourceRanges", "nodePort"}
    assert [f"{path}.{key}" for path, key, _ in walk(services) if key in exposing] == []


@pytest.mark.subprocess  # kubectl kustomize
def test_dod_deployment_selector_matches_pod_template_labels(build: Build) -> None:
    spec = build.get("Deployment", "redis")["spec"]
    assert spec["selector"] == {"matchLabels": {"app": "redis"}}
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()


@pytest.mark.subprocess  # kubectl kustomize
def test_dod_service_selector_matches_pod_template_labels(build: Build) -> None:
    selector = build.get("Service", "redis")["spec"]["selector"]
    pod_labels = build.get("Deployment", "redis")["spec"]["template"]["metadata"]["labels"]
    assert selector == {"app": "redis"}
    assert selector.items() <= pod_labels.items()
