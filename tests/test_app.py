"""main.py: what lands in dist/, and how a failed synth leaves it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import cdk8s
import pytest

import main
from agentsmith import EphemeralRedis
from tests.conftest import ROOT, in_memory_app, require_tool

EXPECTED_FILES = [
    "Deployment.redis.k8s.yaml",
    "Namespace.agentsmith.k8s.yaml",
    "NetworkPolicy.redis.k8s.yaml",
    "Secret.agentsmith-secrets.k8s.yaml",
    "Service.redis.k8s.yaml",
    "kustomization.yaml",
]


def snapshot_dir(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_dist_file_names_are_stable(synth_dir: Path) -> None:
    assert sorted(path.name for path in synth_dir.iterdir()) == EXPECTED_FILES


def test_objects_and_namespaces(manifests: dict[tuple[str, str], Any]) -> None:
    assert {key: obj["metadata"].get("namespace") for key, obj in manifests.items()} == {
        ("Namespace", "agentsmith"): None,
        ("Deployment", "redis"): "agentsmith",
        ("Service", "redis"): "agentsmith",
        ("NetworkPolicy", "redis"): "agentsmith",
        ("Secret", "agentsmith-secrets"): "agentsmith",
    }


def test_connection_secret_comes_from_the_redis_handle(manifests: dict[tuple[str, str], Any]) -> None:
    app = in_memory_app()
    redis = main.build(app)
    assert manifests[("Secret", "agentsmith-secrets")]["stringData"] == {"redis-url": redis.url}
    assert redis.url == "redis://redis:6379"
    # the app does not repeat the literal: it takes it from the handle
    assert "redis://" not in (ROOT / "main.py").read_text(encoding="utf-8")


def test_kustomization_lists_every_manifest_sorted(synth_dir: Path) -> None:
    text = (synth_dir / "kustomization.yaml").read_text(encoding="utf-8")
    listed = [line.removeprefix("  - ") for line in text.splitlines() if line.startswith("  - ")]
    assert listed == sorted(name for name in EXPECTED_FILES if name.endswith(".k8s.yaml"))


def test_failed_synth_leaves_previous_dist_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a good synth in dist/
    outdir = tmp_path / "dist"
    assert main.main(["--outdir", str(outdir)]) == 0
    before = snapshot_dir(outdir)
    capsys.readouterr()

    # WHEN the app is built with an invalid prop
    def bad_build(app: cdk8s.App) -> EphemeralRedis:
        chart = cdk8s.Chart(app, "agentsmith", namespace="agentsmith")
        return EphemeralRedis(chart, "redis", maxmemory="lots")

    monkeypatch.setattr(main, "build", bad_build)
    code = main.main(["--outdir", str(outdir)])

    # THEN: exit code 1, one line on stderr naming prop, value and path; dist/ untouched
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: [agentsmith/redis] 'maxmemory' is not a Redis memory size (got 'lots')")
    assert snapshot_dir(outdir) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dist.last-good", "dist"], "no staging folder left"


def test_failed_synth_as_a_process_prints_one_line(tmp_path: Path) -> None:
    # A broken consumer of main.build, run as its own process, as a user would.
    script = tmp_path / "bad.py"
    script.write_text(
        "import sys, cdk8s\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import main\n"
        "from agentsmith import EphemeralRedis\n"
        "def build(app):\n"
        "    return EphemeralRedis(cdk8s.Chart(app, 'c'), 'redis', maxmemory_policy='allkeys-lru2')\n"
        "main.build = build\n"
        "sys.exit(main.main(sys.argv[1:]))\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, str(script), "--outdir", str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "AGENTSMITH_DEBUG": ""},
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: [c/redis] 'maxmemory_policy' must be one of volatile-lru, allkeys-lru, volatile-lfu, "
        "allkeys-lfu, volatile-random, allkeys-random, volatile-ttl, noeviction (got 'allkeys-lru2'). "
        "Did you mean 'allkeys-lru'?"
    ]
    assert not (tmp_path / "dist").exists()


def test_cdk8s_cli_synth_writes_the_same_manifests(tmp_path: Path, synth_dir: Path) -> None:
    cli = ROOT / "node_modules" / ".bin" / "cdk8s"
    if not cli.exists():
        require_tool("cdk8s-cli-in-node_modules", "run `bash tools/setup.sh` (npm ci installs cdk8s-cli)")
    outdir = tmp_path / "cli-dist"
    result = subprocess.run(
        [str(cli), "--no-check-upgrade", "synth", "--output", str(outdir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"},
    )
    assert result.returncode == 0, result.stderr
    assert snapshot_dir(outdir) == snapshot_dir(synth_dir)


def test_failed_cdk8s_cli_synth_restores_the_previous_dist(tmp_path: Path) -> None:
    cli = ROOT / "node_modules" / ".bin" / "cdk8s"
    if not cli.exists():
        require_tool("cdk8s-cli-in-node_modules", "run `bash tools/setup.sh` (npm ci installs cdk8s-cli)")
    project = tmp_path / "project"
    project.mkdir()
    for name in ("main.py", "cdk8s.yaml"):
        (project / name).write_bytes((ROOT / name).read_bytes())
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def cdk8s_synth() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(cli), "--no-check-upgrade", "synth"], cwd=project, capture_output=True, text=True, timeout=300, env=env
        )

    # GIVEN a good synth of this project (dist/ plus the app's last-good copy);
    # the CLI deletes dist/ before it runs the app
    main.synth(project / "dist")
    before = snapshot_dir(project / "dist")
    assert before == snapshot_dir(project / ".dist.last-good")
    # WHEN the one bus setting is changed to an invalid URL and the CLI runs again
    main_py = project / "main.py"
    text = main_py.read_text(encoding="utf-8")
    assert text.count("BUS: InClusterRedis | ManagedRedis = InClusterRedis()") == 1
    main_py.write_text(
        text.replace(
            "BUS: InClusterRedis | ManagedRedis = InClusterRedis()",
            "BUS: InClusterRedis | ManagedRedis = ManagedRedis(url='http://cache.example.com')",
        ),
        encoding="utf-8",
    )
    result = cdk8s_synth()
    # THEN it fails with the library's one-line error, and dist/ is back byte for byte
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: [agentsmith/redis] 'url' must use the redis:// or rediss:// scheme "
        "(got 'http://cache.example.com'). Use e.g. 'rediss://my-redis.example.com:6380' (rediss = TLS)."
    ]
    assert snapshot_dir(project / "dist") == before


@pytest.mark.parametrize(
    "bus",
    [main.InClusterRedis(), main.ManagedRedis(url="rediss://agentsmith.cache.example.com:6380")],
    ids=["in-cluster", "managed"],
)
def test_main_variants_snapshot(bus: Any, tmp_path: Path, snapshot_yaml: Any) -> None:
    app = in_memory_app()
    main.build(app, bus)
    objects = [obj for chart in app.charts for obj in chart.to_json()]
    assert objects == snapshot_yaml


def test_managed_bus_is_a_one_line_switch(tmp_path: Path) -> None:
    app = in_memory_app()
    endpoint = main.build(app, main.ManagedRedis(url="rediss://agentsmith.cache.example.com:6380"))
    kinds = sorted(obj["kind"] for chart in app.charts for obj in chart.to_json())
    assert kinds == ["Namespace", "Secret"]  # no Redis workload
    assert (endpoint.host, endpoint.port, endpoint.url) == (
        "agentsmith.cache.example.com",
        6380,
        "rediss://agentsmith.cache.example.com:6380",
    )
