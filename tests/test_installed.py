"""The library as other cdk8s apps use it: pip-installed from the built wheel, no repository on the path.

One module, so that the fresh virtual environment (the ``installed_venv``
session fixture) is built once even when pytest-xdist spreads files over workers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, load_dir

pytestmark = pytest.mark.slow


# -- a small consumer app (issue 2) -----------------------------------------

CONSUMER_APP = """
import importlib.util
import cdk8s
from agentsmith import EphemeralRedis

assert importlib.util.find_spec("imports") is None, "the repository's imports/ leaked onto the path"
assert "site-packages" in importlib.util.find_spec("agentsmith").origin, "agentsmith not from the wheel"

app = cdk8s.App(outdir="out", yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
chart = cdk8s.Chart(app, "consumer", namespace="jobs", disable_resource_name_hashes=True)
bus = EphemeralRedis(chart, "bus", name="bus", maxmemory="128mb")
print(bus.url, bus.fqdn)
app.synth()
"""


def test_consumer_app_synthesises_from_the_installed_wheel(installed_venv: Path, tmp_path: Path) -> None:
    # GIVEN a consumer cdk8s app in an empty folder, run by the fresh environment's python
    (tmp_path / "main.py").write_text(CONSUMER_APP, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"

    # WHEN it synthesises
    result = subprocess.run(
        [str(installed_venv), "main.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env
    )

    # THEN the consumer's props are in its own manifests
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis://bus:6379", "bus.jobs.svc.cluster.local"]
    deployment = yaml.safe_load((tmp_path / "out" / "Deployment.bus.k8s.yaml").read_text(encoding="utf-8"))
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert deployment["metadata"]["namespace"] == "jobs"
    assert container["args"][:2] == ["--maxmemory", "128mb"]
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": "bus"}
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "Deployment.bus.k8s.yaml",
        "NetworkPolicy.bus.k8s.yaml",
        "Secret.bus-connection.k8s.yaml",
        "Service.bus.k8s.yaml",
    ]


def test_installed_package_is_the_wheel_not_the_checkout(installed_venv: Path) -> None:
    result = subprocess.run(
        [str(installed_venv), "-c", "import agentsmith; print(agentsmith.__file__)"],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "/site-packages/agentsmith/" in result.stdout
    assert (Path(result.stdout.strip()).parent / "py.typed").is_file()


# -- examples/consumer, in-cluster and external (issue 8) -----------------

EXAMPLE = ROOT / "examples" / "consumer"


def synth_example(python: Path, workdir: Path, **env: str) -> dict[tuple[str, str], dict[str, Any]]:
    shutil.copytree(EXAMPLE, workdir)
    clean = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "REDIS_EXTERNAL_URL"}}
    result = subprocess.run(
        [str(python), "main.py"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        env={**clean, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", **env},
    )
    assert result.returncode == 0, result.stderr
    return load_dir(workdir / "dist")


def worker_env(objects: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    (container,) = objects[("Deployment", "worker")]["spec"]["template"]["spec"]["containers"]
    return list(container["env"])


REDIS_URL_FROM_SECRET = [
    {"name": "REDIS_URL", "valueFrom": {"secretKeyRef": {"name": "agentsmith-secrets", "key": "redis-url"}}}
]


def test_example_with_ephemeral_redis(installed_venv: Path, tmp_path: Path) -> None:
    objects = synth_example(installed_venv, tmp_path / "app")
    assert sorted(objects) == [
        ("Deployment", "redis"),
        ("Deployment", "worker"),
        ("NetworkPolicy", "redis"),
        ("Secret", "agentsmith-secrets"),
        ("Service", "redis"),
    ]
    assert worker_env(objects) == REDIS_URL_FROM_SECRET
    assert objects[("Secret", "agentsmith-secrets")]["stringData"] == {"redis-url": "redis://redis:6379"}


def test_example_switched_to_external_redis(installed_venv: Path, tmp_path: Path) -> None:
    objects = synth_example(installed_venv, tmp_path / "app", REDIS_EXTERNAL_URL="rediss://cache.example.com:6380")
    assert sorted(objects) == [("Deployment", "worker"), ("Secret", "agentsmith-secrets")]
    assert worker_env(objects) == REDIS_URL_FROM_SECRET
    assert objects[("Secret", "agentsmith-secrets")]["stringData"] == {"redis-url": "rediss://cache.example.com:6380"}
