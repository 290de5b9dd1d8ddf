"""main.py: what lands in dist/, and how a failed synth leaves it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import cdk8s
import pytest
from _cli import CliRuns
from _support import ROOT, in_memory_app

import main
from agentsmith import EphemeralRedis

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
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"], "no staging folder or backup left"


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
    assert [path.name for path in tmp_path.iterdir()] == ["bad.py"], "no dist/ and no staging folder left"


@pytest.fixture(scope="module")
def cli_runs(cli_synths: CliRuns) -> CliRuns:
    return cli_synths


def test_cdk8s_cli_synth_writes_the_same_manifests(cli_runs: CliRuns, synth_dir: Path) -> None:
    assert cli_runs.good.returncode == 0, cli_runs.good.stderr
    assert cli_runs.good.dist == snapshot_dir(synth_dir)


def test_failed_cdk8s_cli_synth_leaves_the_previous_dist(cli_runs: CliRuns) -> None:
    # GIVEN a good `cdk8s synth`; WHEN the one bus setting is changed to an invalid URL and the
    # CLI runs again (it deletes its output folder, now a scratch folder, before it runs the app)
    # THEN it fails with the library's one-line error, and dist/ is as before byte for byte
    assert cli_runs.bad.returncode != 0
    errors = [line for line in cli_runs.bad.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: [agentsmith/redis] 'url' must use the redis:// or rediss:// scheme "
        "(got 'http://cache.example.com'). Use e.g. 'rediss://my-redis.example.com:6380' (rediss = TLS)."
    ]
    assert cli_runs.bad.dist == cli_runs.good.dist
    assert len(cli_runs.good.dist) == len(EXPECTED_FILES)


def test_cdk8s_cli_lists_a_copy_in_its_scratch_folder(cli_runs: CliRuns) -> None:
    # cdk8s.yaml points the CLI at a scratch folder; the app copies dist/ there for the CLI's listing
    assert cli_runs.good.scratch == cli_runs.good.dist
    listed = [line.strip() for line in cli_runs.good.stdout.splitlines() if line.startswith("  - ")]
    assert listed == [f"- .cdk8s-cli.out/{name}" for name in EXPECTED_FILES]


def test_cdk8s_cli_synth_to_stdout_leaves_dist_alone(cli_runs: CliRuns) -> None:
    # GIVEN dist/ with the in-cluster output WHEN `cdk8s synth --stdout` runs with the managed bus
    # THEN it prints the managed manifests and dist/ is not touched
    assert cli_runs.stdout.returncode == 0, cli_runs.stdout.stderr
    for name, data in cli_runs.managed.dist.items():  # the CLI streams every file it finds, kustomization.yaml too
        assert data.decode("utf-8") in cli_runs.stdout.stdout, name
    assert "kind: Deployment" not in cli_runs.stdout.stdout
    assert cli_runs.stdout.dist == cli_runs.good.dist


def test_failed_cdk8s_cli_synth_never_restores_an_older_output(cli_runs: CliRuns) -> None:
    # GIVEN a `cdk8s synth` with the managed bus, THEN main.py and dist/ put back to the in-cluster
    # version by hand (as `git checkout main.py dist` does) and a typo made in the bus URL
    # WHEN `cdk8s synth` fails
    # THEN dist/ holds what it held just before this run (in-cluster), not the older managed output
    assert cli_runs.managed.returncode == 0, cli_runs.managed.stderr
    assert "Deployment.redis.k8s.yaml" not in cli_runs.managed.dist
    assert cli_runs.stale.returncode != 0
    assert cli_runs.stale.dist == cli_runs.good.dist


@pytest.mark.parametrize(
    "managed_redis_url",
    [None, "rediss://agentsmith.cache.example.com:6380"],
    ids=["in-cluster", "managed"],
)
def test_main_variants_snapshot(managed_redis_url: str | None, tmp_path: Path, snapshot_yaml: Any) -> None:
    app = in_memory_app()
    main.build(app, managed_redis_url)
    objects = [obj for chart in app.charts for obj in chart.to_json()]
    assert objects == snapshot_yaml


def test_managed_bus_is_a_one_line_switch(tmp_path: Path) -> None:
    app = in_memory_app()
    endpoint = main.build(app, "rediss://agentsmith.cache.example.com:6380")
    kinds = sorted(obj["kind"] for chart in app.charts for obj in chart.to_json())
    assert kinds == ["Namespace", "Secret"]  # no Redis workload
    assert (endpoint.host, endpoint.port, endpoint.url) == (
        "agentsmith.cache.example.com",
        6380,
        "rediss://agentsmith.cache.example.com:6380",
    )
