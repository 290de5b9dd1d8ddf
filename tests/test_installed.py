"""The library as other cdk8s apps use it: pip-installed from the built wheel, no repository on the path.

The fresh virtual environment and the three app runs happen in a background
job started at collection (``installed_runs``, see _installed.py); these tests
check what the apps wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from _installed import InstalledRuns, Run
from _support import load_dir

pytestmark = pytest.mark.slow


def succeeded(run: Run) -> Run:
    assert run.returncode == 0, run.stderr
    return run


# -- a small consumer app (issue 2) -----------------------------------------


def test_consumer_app_synthesises_from_the_installed_wheel(installed_runs: InstalledRuns) -> None:
    # GIVEN a consumer cdk8s app in an empty folder, run by the fresh environment's python
    run = succeeded(installed_runs.consumer)
    # THEN it used the installed package, and its props are in its own manifests
    module_file, url, fqdn = run.stdout.split()
    assert "/site-packages/agentsmith/" in module_file
    assert (Path(module_file).parent / "py.typed").is_file()
    assert (url, fqdn) == ("redis://bus:6379", "bus.jobs.svc.cluster.local")
    deployment = yaml.safe_load((run.outdir / "Deployment.bus.k8s.yaml").read_text(encoding="utf-8"))
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert deployment["metadata"]["namespace"] == "jobs"
    assert container["args"][:2] == ["--maxmemory", "128mb"]
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": "bus"}
    assert sorted(path.name for path in run.outdir.iterdir()) == [
        "Deployment.bus.k8s.yaml",
        "NetworkPolicy.bus.k8s.yaml",
        "Secret.bus-connection.k8s.yaml",
        "Service.bus.k8s.yaml",
    ]


# -- examples/consumer, in-cluster and external (issue 8) -----------------

REDIS_URL_FROM_SECRET = [
    {"name": "REDIS_URL", "valueFrom": {"secretKeyRef": {"name": "agentsmith-secrets", "key": "redis-url"}}}
]


def worker_env(objects: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    (container,) = objects[("Deployment", "worker")]["spec"]["template"]["spec"]["containers"]
    return list(container["env"])


def test_example_with_ephemeral_redis(installed_runs: InstalledRuns) -> None:
    objects = load_dir(succeeded(installed_runs.example_ephemeral).outdir)
    assert sorted(objects) == [
        ("Deployment", "redis"),
        ("Deployment", "worker"),
        ("NetworkPolicy", "redis"),
        ("Secret", "agentsmith-secrets"),
        ("Service", "redis"),
    ]
    assert worker_env(objects) == REDIS_URL_FROM_SECRET
    assert objects[("Secret", "agentsmith-secrets")]["stringData"] == {"redis-url": "redis://redis:6379"}


def test_example_switched_to_external_redis(installed_runs: InstalledRuns) -> None:
    objects = load_dir(succeeded(installed_runs.example_external).outdir)
    assert sorted(objects) == [("Deployment", "worker"), ("Secret", "agentsmith-secrets")]
    assert worker_env(objects) == REDIS_URL_FROM_SECRET
    assert objects[("Secret", "agentsmith-secrets")]["stringData"] == {"redis-url": "rediss://cache.example.com:6380"}
