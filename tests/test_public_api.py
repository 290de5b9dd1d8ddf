"""The public surface: pinned names, typing marker, no top-level imports/ dependency, the construct registry."""

from __future__ import annotations

import ast
from pathlib import Path

import constructs
import pytest
from _support import ROOT

import agentsmith
from testkit.constructs import CONSTRUCTS

PACKAGE = Path(agentsmith.__file__).parent


def test_all_is_pinned() -> None:
    assert agentsmith.__all__ == [
        "DEFAULT_ACCESS",
        "DEFAULT_AGENT_KEY_PATTERN",
        "DEFAULT_DATA_SIZE_LIMIT",
        "DEFAULT_DISRUPTION",
        "DEFAULT_EXPORTER_IMAGE",
        "DEFAULT_EXPORTER_RESOURCES",
        "DEFAULT_FILESYSTEM",
        "DEFAULT_LIVENESS",
        "DEFAULT_MAX_CLIENTS",
        "DEFAULT_MAX_VALUE_SIZE",
        "DEFAULT_NETWORK",
        "DEFAULT_PERSISTENCE",
        "DEFAULT_PLACEMENT",
        "DEFAULT_POD_OPTIONS",
        "DEFAULT_POD_SECURITY",
        "DEFAULT_PROBES",
        "DEFAULT_READINESS",
        "DEFAULT_RESOURCES",
        "DEFAULT_SCRAPERS",
        "DEFAULT_SIDECAR_LABELS",
        "DEFAULT_VOLUME_SIZE",
        "REDIS_CLUSTER_ENV",
        "REDIS_TLS_CA_FILE_ENV",
        "REDIS_TLS_CERT_FILE_ENV",
        "REDIS_TLS_KEY_FILE_ENV",
        "REDIS_URL_ENV",
        "SAME_NAMESPACE",
        "AccessMode",
        "AgentsmithConfigError",
        "AgentsmithNamespace",
        "EphemeralRedis",
        "ExternalRedis",
        "GrafanaDashboard",
        "MatchExpression",
        "NetworkPeer",
        "NodeAffinityTerm",
        "PlusContainer",
        "PodAntiAffinityTerm",
        "PodSecurity",
        "ProbeTiming",
        "RedisAccess",
        "RedisAuth",
        "RedisConnectionSecret",
        "RedisDisruption",
        "RedisEndpoint",
        "RedisFilesystem",
        "RedisMetrics",
        "RedisNetwork",
        "RedisPersistence",
        "RedisPlacement",
        "RedisPodOptions",
        "RedisProbes",
        "RedisRole",
        "RedisTLS",
        "Resources",
        "RoleAccess",
        "SecretKeyRef",
        "Toleration",
        "TopologySpread",
        "add_redis_url",
        "redis_client_env",
        "redis_tls_mounts",
        "redis_tls_volumes",
        "redis_url",
        "redis_url_env",
    ]
    for name in agentsmith.__all__:
        assert getattr(agentsmith, name) is not None


def test_ships_py_typed() -> None:
    assert (PACKAGE / "py.typed").is_file()


def test_library_never_imports_the_apps_imports_package() -> None:
    # A cdk8s app that pip-installs this library has its own imports/.
    offenders = []
    for module in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{module.name}: {n}" for n in names if n == "imports" or n.startswith("imports.")]
    assert offenders == []


def exported_constructs() -> list[str]:
    return [
        name
        for name in agentsmith.__all__
        if isinstance(getattr(agentsmith, name), type) and issubclass(getattr(agentsmith, name), constructs.Construct)
    ]


def test_every_exported_construct_is_in_the_registry() -> None:
    # The one registry of public constructs (testkit/constructs.py) that the shared construct tests read
    assert sorted(CONSTRUCTS) == sorted(exported_constructs()), (
        "add the construct to testkit/constructs.py (DEVELOPMENT.md, 'Adding a construct')"
    )
    assert {entry.cls for entry in CONSTRUCTS.values()} == {getattr(agentsmith, name) for name in CONSTRUCTS}


@pytest.mark.parametrize("name", sorted(CONSTRUCTS))
def test_each_construct_follows_the_checklist(name: str) -> None:
    # DEVELOPMENT.md, "Adding a construct": a module of its own, a test file and snapshots named after it,
    # and a mention in the README (tests/test_construct.py builds it with the registry's props)
    module = getattr(agentsmith, name).__module__.rpartition(".")[2]
    assert not module.startswith("_"), f"{name} lives in a private module: give it agentsmith/<name>.py"
    others = [other for other in exported_constructs() if other != name]
    assert [o for o in others if getattr(agentsmith, o).__module__ == f"agentsmith.{module}"] == [], "one per module"
    assert (ROOT / "tests" / f"test_{module}.py").is_file(), f"tests/test_{module}.py tests agentsmith/{module}.py"
    snapshots = ROOT / "tests" / "__snapshots__" / f"test_{module}"
    assert snapshots.is_dir() and any(snapshots.iterdir()), f"a snapshot in {snapshots.relative_to(ROOT)}/"
    assert f"`{name}`" in (ROOT / "README.md").read_text(encoding="utf-8"), f"README.md names `{name}`"
