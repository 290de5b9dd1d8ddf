"""Snapshot tests for this app: the pattern for any cdk8s app that uses agentsmith.

Synthesise a chart in memory with ``cdk8s.Testing.synth`` and compare the
manifests with a syrupy snapshot (``__snapshots__/test_main.ambr``; refresh it
with ``python -m pytest --snapshot-update`` and review the diff), plus exact
assertions on the fields that matter.

Write ``import cdk8s`` and ``cdk8s.Testing``, never ``from cdk8s import Testing``
at module level: pytest collects every module-level name that starts with
``Test``, instantiates jsii's ``Testing`` class and the whole module fails to
collect (``AttributeError: 'Testing' object has no attribute '__jsii_ref__'``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cdk8s
from syrupy.assertion import SnapshotAssertion

from main import WorkerChart

REDIS_URL_FROM_SECRET = [
    {"name": "REDIS_URL", "valueFrom": {"secretKeyRef": {"name": "agentsmith-secrets", "key": "redis-url"}}}
]


def synth(tmp_path: Path, **props: Any) -> list[dict[str, Any]]:
    # An App with an outdir of its own: cdk8s.Testing.app() leaves a temporary folder behind per call.
    chart = WorkerChart(cdk8s.App(outdir=str(tmp_path)), "worker", **props)
    return list(cdk8s.Testing.synth(chart))


def worker_env(manifests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    (worker,) = [m for m in manifests if m["kind"] == "Deployment" and m["metadata"]["name"] == "worker"]
    (container,) = worker["spec"]["template"]["spec"]["containers"]
    return list(container["env"])


def test_in_cluster_bus(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    manifests = synth(tmp_path)
    assert manifests == snapshot
    assert worker_env(manifests) == REDIS_URL_FROM_SECRET


def test_external_bus(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    manifests = synth(tmp_path, external_url="rediss://cache.example.com:6380")
    assert manifests == snapshot
    assert [(m["kind"], m["metadata"]["name"]) for m in manifests] == [
        ("Secret", "agentsmith-secrets"),
        ("Deployment", "worker"),
    ]
    assert worker_env(manifests) == REDIS_URL_FROM_SECRET
