"""The package's public surface: pinned names, typing marker, no top-level imports/ dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import agentsmith

PACKAGE = Path(agentsmith.__file__).parent


def test_all_is_pinned() -> None:
    assert agentsmith.__all__ == [
        "DEFAULT_ACCESS",
        "DEFAULT_AGENT_KEY_PATTERN",
        "DEFAULT_DATA_SIZE_LIMIT",
        "DEFAULT_EXPORTER_IMAGE",
        "DEFAULT_EXPORTER_RESOURCES",
        "DEFAULT_FILESYSTEM",
        "DEFAULT_LIVENESS",
        "DEFAULT_MAX_CLIENTS",
        "DEFAULT_NETWORK",
        "DEFAULT_POD_SECURITY",
        "DEFAULT_PROBES",
        "DEFAULT_READINESS",
        "DEFAULT_RESOURCES",
        "DEFAULT_SCRAPERS",
        "REDIS_URL_ENV",
        "SAME_NAMESPACE",
        "AccessMode",
        "AgentsmithConfigError",
        "AgentsmithNamespace",
        "EphemeralRedis",
        "ExternalRedis",
        "NetworkPeer",
        "PlusContainer",
        "PodSecurity",
        "ProbeTiming",
        "RedisAccess",
        "RedisAuth",
        "RedisConnectionSecret",
        "RedisEndpoint",
        "RedisFilesystem",
        "RedisMetrics",
        "RedisNetwork",
        "RedisProbes",
        "RedisRole",
        "Resources",
        "RoleAccess",
        "SecretKeyRef",
        "add_redis_url",
        "redis_url_env",
    ]
    for name in agentsmith.__all__:
        assert getattr(agentsmith, name) is not None


def test_ships_py_typed() -> None:
    assert (PACKAGE / "py.typed").is_file()


def test_library_never_imports_the_apps_imports_package() -> None:
    # A cdk8s app that pip-installs this library has its own imports/.
    offenders = []
    for module in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{module.name}: {n}" for n in names if n == "imports" or n.startswith("imports.")]
    assert offenders == []
