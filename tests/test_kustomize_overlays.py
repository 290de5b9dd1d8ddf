"""Overlays users write on top of dist/: renaming, labels, replicas, wiring; and ``agentsmith check-overlay``.

Each test writes a small overlay next to a copy-free reference to the committed
dist/ (test_dist_drift.py proves it is current), builds it with the real
``kubectl kustomize`` (kustomize v5) and reads the objects, then runs the check
command (``python -m agentsmith check-overlay``) on the same folder. The wheel's
console script runs from a fresh venv in tests/test_installed.py.
"""

from __future__ import annotations

import os
import re
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
        [sys.executable, "-m", "agentsmith", "check-overlay", str(folder)],
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


@pytest.mark.subprocess  # kubectl kustomize
def test_replicas_patch_is_flagged(tmp_path: Path) -> None:
    # GIVEN a replicas override THEN the build has two buses behind one Service, and the check fails
    folder = overlay(tmp_path, "replicas:\n  - name: redis\n    count: 2\n")
    assert build(folder)[("Deployment", "redis")]["spec"]["replicas"] == 2
    code, out = check(folder)
    assert code == 1 and "replicas 2; Redis is one bus per Deployment" in out, out


# -- overlays that break the wiring while every name still matches -------------------------------------------


#: A JSON 6902 patch of one object of dist/, as a user writes it in ``patches:``.
def json_patch(kind: str, operations: str) -> str:
    body = "".join(f"      {line}\n" for line in operations.strip().splitlines())
    return f"patches:\n  - target: {{kind: {kind}, name: redis}}\n    patch: |-\n{body}"


#: Each overlay, and the lines (object: start of the message) the check prints for it, in order.
BROKEN: dict[str, tuple[str, list[str]]] = {
    # the pod and selector labels renamed on the Deployment only
    "pod-labels-renamed": (
        json_patch(
            "Deployment",
            """
- {op: replace, path: /spec/selector/matchLabels/app, value: redis-v2}
- {op: replace, path: /spec/template/metadata/labels/app, value: redis-v2}
""",
        ),
        [
            "Service agentsmith/redis: its selector {'app': 'redis'} selects no Redis pod "
            "(Deployment agentsmith/redis labels its pods {'app': 'redis-v2'})",
            "NetworkPolicy agentsmith/redis: its podSelector {'matchLabels': {'app': 'redis'}} no longer selects the "
            "Redis pod, so no policy isolates it: every pod of every namespace can reach Redis",
        ],
    ),
    "extra-service-selector": (
        json_patch("Service", "- {op: add, path: /spec/selector/tier, value: cache}"),
        ["Service agentsmith/redis: its selector {'app': 'redis', 'tier': 'cache'} selects no Redis pod"],
    ),
    "service-port-6380": (
        json_patch("Service", "- {op: replace, path: /spec/ports/0/port, value: 6380}"),
        [
            "Secret agentsmith/agentsmith-secrets: redis-url says port 6379 but Service agentsmith/redis "
            "listens on 6380: clients connect to a closed port"
        ],
    ),
    "redis-port-arg-6380": (
        json_patch(
            "Deployment",
            """
- {op: add, path: /spec/template/spec/containers/0/args/-, value: --port}
- {op: add, path: /spec/template/spec/containers/0/args/-, value: "6380"}
""",
        ),
        [
            "Deployment agentsmith/redis: container redis has containerPort 6379 but redis-server listens on 6380",
            "Deployment agentsmith/redis: the livenessProbe asks redis-cli on port 6379 but redis-server listens on "
            "6380",
            "Deployment agentsmith/redis: the readinessProbe asks redis-cli on port 6379 but redis-server listens "
            "on 6380",
            "Service agentsmith/redis: targetPort 6379 but redis-server listens on 6380",
            "NetworkPolicy agentsmith/redis: no ingress rule admits Redis's port 6380 (rules name 6379)",
        ],
    ),
    "security-contexts-removed": (
        json_patch(
            "Deployment",
            """
- {op: remove, path: /spec/template/spec/securityContext}
- {op: remove, path: /spec/template/spec/containers/0/securityContext}
""",
        ),
        [
            "Deployment agentsmith/redis: container redis is no longer restricted: it needs runAsNonRoot: true, "
            "allowPrivilegeEscalation: false, capabilities.drop [ALL], seccompProfile RuntimeDefault; restore the "
            "securityContexts EphemeralRedis writes"
        ],
    ),
}


@pytest.mark.subprocess  # kubectl kustomize
@pytest.mark.parametrize("case", list(BROKEN))
def test_an_overlay_that_breaks_the_wiring_is_refused(tmp_path: Path, case: str) -> None:
    # GIVEN an overlay that builds cleanly and keeps every name (the names-only check printed ok on each)
    body, expected = BROKEN[case]
    folder = overlay(tmp_path, body)
    assert build(folder)  # kustomize accepts it
    # WHEN the check runs on it THEN exit 1, one line per problem, each naming the object and what to do
    code, out = check(folder)
    lines = out.splitlines()
    assert code == 1, out
    assert len(lines) == len(expected), out
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(start), f"{line!r} does not start with {start!r}"
        assert re.search(r"; |: (keep|set|restore|name)", line), line  # a fix follows the finding


@pytest.mark.subprocess  # kubectl kustomize
def test_the_check_reads_a_build_from_stdin(tmp_path: Path) -> None:
    folder = overlay(tmp_path, BROKEN["service-port-6380"][0])
    kubectl = require_tool("kubectl", KUBECTL_HINT)
    text = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=True).stdout
    result = subprocess.run(
        [sys.executable, "-m", "agentsmith", "check-overlay", "-"],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1 and result.stdout.startswith("Secret agentsmith/agentsmith-secrets: redis-url says")


@pytest.mark.subprocess  # python -m agentsmith
def test_the_command_line_usage() -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "agentsmith", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    assert run().returncode == 2 and "check-overlay" in run().stderr
    assert run("nope").returncode == 2 and "unknown command 'nope'" in run("nope").stderr
    assert run("check-overlay").returncode == 2
    missing = run("check-overlay", "/nonexistent-overlay")
    assert missing.returncode == 2 and missing.stderr.startswith("error: "), missing.stderr
    helped = run("check-overlay", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: agentsmith check-overlay")
