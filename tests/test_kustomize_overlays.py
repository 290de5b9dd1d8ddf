"""Overlays users write on top of dist/: renaming, labels, replicas; and tools/check_overlay.py.

Each test writes a small overlay next to a copy-free reference to the committed
dist/ (test_dist_drift.py proves it is current), builds it with the real
``kubectl kustomize`` (kustomize v5) and reads the objects, then runs the check
tool on the same folder.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from _support import ROOT, require_tool

from testkit.kustomize import KUBECTL_HINT

RENAMED = ROOT / "k8s" / "examples" / "renamed"


def overlay(tmp_path: Path, body: str) -> Path:
    """A kustomization in ``tmp_path/overlay`` over the committed dist/, plus ``body``."""
    folder = tmp_path / "overlay"
    folder.mkdir()
    dist = os.path.relpath(ROOT / "dist", folder)
    header = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
    (folder / "kustomization.yaml").write_text(f"{header}  - {dist}\n{body}", encoding="utf-8")
    return folder


def build(folder: Path) -> dict[tuple[str, str], dict[str, Any]]:
    kubectl = require_tool("kubectl", KUBECTL_HINT)
    text = subprocess.run(
        [kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(text) if o}


def check(folder: Path) -> tuple[int, str]:
    kubectl = require_tool("kubectl", KUBECTL_HINT)
    env = {**os.environ, "PATH": f"{Path(kubectl).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "check_overlay.py"), str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    return result.returncode, result.stdout


@pytest.mark.subprocess  # kubectl kustomize
def test_dev_overlay_passes_the_check() -> None:
    assert check(ROOT / "k8s" / "overlays" / "dev") == (0, "ok\n")


@pytest.mark.subprocess  # kubectl kustomize
def test_name_prefix_alone_leaves_the_url_on_the_old_service(tmp_path: Path) -> None:
    # GIVEN namePrefix/nameSuffix without the recipe
    folder = overlay(tmp_path, "namePrefix: prod-\nnameSuffix: -v2\n")
    objects = build(folder)
    # THEN the Service is renamed but the URL still names 'redis' ...
    assert ("Service", "prod-redis-v2") in objects
    assert objects[("Secret", "prod-agentsmith-secrets-v2")]["stringData"]["redis-url"] == "redis://redis:6379"
    # ... and the check says so
    code, out = check(folder)
    assert code == 1 and "redis-url host 'redis' names no Service in this build" in out, out


@pytest.mark.subprocess  # kubectl kustomize
def test_renamed_example_rewrites_the_url(tmp_path: Path) -> None:
    # GIVEN the documented recipe (k8s/examples/renamed): namePrefix, nameSuffix and two replacements
    objects = build(RENAMED)
    # THEN the URL follows the renamed Service, port included, and everything selects the same pods
    assert objects[("Secret", "prod-agentsmith-secrets-v2")]["stringData"]["redis-url"] == "redis://prod-redis-v2:6379"
    service, deployment = objects[("Service", "prod-redis-v2")], objects[("Deployment", "prod-redis-v2")]
    assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert check(RENAMED) == (0, "ok\n")


@pytest.mark.subprocess  # kubectl kustomize
def test_renamed_recipe_follows_a_custom_port(tmp_path: Path) -> None:
    # The port comes from the Service: a patched port ends up in the URL too.
    recipe = (RENAMED / "kustomization.yaml").read_text(encoding="utf-8").split("replacements:", 1)[1]
    patch = (
        "patches:\n  - target: {kind: Service, name: redis}\n    patch: |-\n"
        "      - op: replace\n        path: /spec/ports/0/port\n        value: 6380\n"
    )
    folder = overlay(tmp_path, f"namePrefix: a-\n{patch}replacements:{recipe}")
    objects = build(folder)
    assert objects[("Secret", "a-agentsmith-secrets")]["stringData"]["redis-url"] == "redis://a-redis:6380"


@pytest.mark.subprocess  # kubectl kustomize
@pytest.mark.parametrize(
    "labels",
    [
        "commonLabels:\n  team: bus\n",
        "labels:\n  - pairs: {team: bus}\n    includeSelectors: true\n",
        "labels:\n  - pairs: {team: bus}\n    includeSelectors: false\n",
    ],
    ids=["commonLabels", "labels-includeSelectors", "labels"],
)
def test_network_policy_admits_unlabelled_pods_under_label_transformers(tmp_path: Path, labels: str) -> None:
    # GIVEN a transformer that adds a label everywhere (commonLabels also rewrites selectors)
    folder = overlay(tmp_path, labels)
    policy = build(folder)[("NetworkPolicy", "redis")]
    # THEN the peer stays "every pod in the namespace": agent pods made at run time without the label get in
    assert policy["spec"]["ingress"][0]["from"] == [{"podSelector": {}}]
    assert check(folder) == (0, "ok\n")


def test_check_flags_a_peer_selector_rewritten_by_common_labels() -> None:
    # A peer with labels of its own (allow_from) still gets commonLabels' label: the check names it.
    spec = importlib.util.spec_from_file_location("check_overlay", ROOT / "tools" / "check_overlay.py")
    assert spec is not None and spec.loader is not None
    check_overlay = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check_overlay)
    policy = {
        "kind": "NetworkPolicy",
        "metadata": {"name": "redis", "labels": {"app.kubernetes.io/component": "message-bus", "team": "bus"}},
        "spec": {"ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "agent", "team": "bus"}}}]}]},
    }
    (line,) = check_overlay.problems([policy])
    assert "requires team=bus, which also labels the policy itself" in line


@pytest.mark.subprocess  # kubectl kustomize
def test_replicas_patch_is_flagged(tmp_path: Path) -> None:
    # GIVEN a replicas override THEN the build has two buses behind one Service, and the check fails
    folder = overlay(tmp_path, "replicas:\n  - name: redis\n    count: 2\n")
    assert build(folder)[("Deployment", "redis")]["spec"]["replicas"] == 2
    code, out = check(folder)
    assert code == 1 and "replicas 2; Redis is one bus per Deployment" in out, out
