"""docs/operations.md's cdk8s, helper and shell blocks on external Redis run as written.

The client blocks (redis-py, ioredis) run against real servers in tests/test_runtime_tls.py,
test_runtime_url_passwords.py and test_runtime_cluster.py; the go-redis block is not run (no Go here).
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml
from _doc_blocks import CLUSTER, PASSWORDS, TLS, blocks, kubectl

import agentsmith


def test_every_section_has_its_blocks() -> None:
    assert [len(blocks(TLS, lang)) for lang in ("bash", "python", "javascript", "go")] == [1, 2, 1, 1]
    assert [len(blocks(PASSWORDS, lang)) for lang in ("bash", "python")] == [1, 1]
    assert [len(blocks(CLUSTER, lang)) for lang in ("python", "javascript")] == [1, 1]


def test_the_tls_cdk8s_block_wires_the_ca() -> None:
    # GIVEN the block as written (its App is never synthesised to disk)
    namespace: dict[str, Any] = {}
    exec(blocks(TLS, "python")[0], namespace)
    # THEN the worker reads REDIS_URL from the Secret and REDIS_TLS_CA_FILE names the mounted ConfigMap key
    (deployment,) = [o for o in cdk8s.Testing.synth(namespace["chart"]) if o["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert [e["name"] for e in container["env"]] == ["REDIS_URL", "REDIS_TLS_CA_FILE"]
    assert container["volumeMounts"] == [
        {"name": "redis-tls-ca", "mountPath": "/etc/agentsmith/redis-tls/ca", "readOnly": True}
    ]
    assert pod["volumes"] == [
        {"name": "redis-tls-ca", "configMap": {"name": "redis-ca", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}
    ]
    assert namespace["bus"].url == "rediss://master.my-cache.abc123.use1.cache.amazonaws.com:6379"


def test_the_redis_url_lines_give_what_their_comments_say() -> None:
    (block,) = blocks(PASSWORDS, "python")
    lines = block.splitlines()
    calls = [(n, line) for n, line in enumerate(lines) if line.startswith("redis_url(")]
    assert len(calls) == 2
    for n, line in calls:
        call, _, comment = line.partition("  # ")
        comment = comment or lines[n + 1].removeprefix("# ")  # the result on the line below
        assert eval(call, {"redis_url": agentsmith.redis_url}) == ast.literal_eval(comment), line


@pytest.mark.subprocess
def test_the_tls_commands_make_the_configmap_and_secret(tmp_path: Path) -> None:
    (block,) = blocks(TLS, "bash")
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", f'kubectl() {{ "$KUBECTL" "$@" --dry-run=client -o yaml; }}\n{block}'],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "KUBECTL": kubectl(), "HOME": str(tmp_path),
             "ENCODED_PASSWORD": "p%2Fw", "REDIS_HOST": "cache.example.com"},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    config_map, secret = [o for o in yaml.safe_load_all(result.stdout.replace("\napiVersion", "\n---\napiVersion"))]
    assert (config_map["kind"], config_map["metadata"], list(config_map["data"])) == (
        "ConfigMap",
        {"name": "redis-ca", "namespace": "jobs"},
        ["ca.crt"],
    )
    assert (secret["kind"], secret["metadata"]["name"], list(secret["data"])) == (
        "Secret",
        "managed-redis",
        ["redis-url"],
    )
