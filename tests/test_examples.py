"""examples/consumer: a separate cdk8s app using the installed package, in-cluster and external."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, load_dir

pytestmark = pytest.mark.slow

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
