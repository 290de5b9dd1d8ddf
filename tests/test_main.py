"""main.py: what lands in dist/, and how a failed synth leaves it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml
from _cli import CliRuns
from _support import ROOT, assert_config_error, in_memory_app

import main
from agentsmith import EphemeralRedis, RedisMetrics

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


@pytest.mark.subprocess  # python main.py
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


@pytest.mark.subprocess  # cdk8s-cli, a background job
def test_cdk8s_cli_synth_writes_the_same_manifests(cli_runs: CliRuns, synth_dir: Path) -> None:
    assert cli_runs.good.returncode == 0, cli_runs.good.stderr
    assert cli_runs.good.dist == snapshot_dir(synth_dir)


@pytest.mark.subprocess  # cdk8s-cli, a background job
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


@pytest.mark.subprocess  # cdk8s-cli, a background job
def test_cdk8s_cli_lists_a_copy_in_its_scratch_folder(cli_runs: CliRuns) -> None:
    # cdk8s.yaml points the CLI at a scratch folder; the app copies dist/ there for the CLI's listing
    assert cli_runs.good.scratch == cli_runs.good.dist
    listed = [line.strip() for line in cli_runs.good.stdout.splitlines() if line.startswith("  - ")]
    assert listed == [f"- .cdk8s-cli.out/{name}" for name in EXPECTED_FILES]


def manifest_files(files: dict[str, bytes]) -> dict[str, str]:
    """The manifests of a synthesised folder (not its kustomization.yaml), as text."""
    return {name: data.decode("utf-8") for name, data in files.items() if name != "kustomization.yaml"}


def kinds_and_names(documents: list[Any]) -> list[tuple[str, str]]:
    return sorted((document["kind"], document["metadata"]["name"]) for document in documents)


@pytest.mark.subprocess  # cdk8s-cli, a background job
@pytest.mark.parametrize("bus", ["in-cluster", "managed"])
def test_cdk8s_cli_synth_to_stdout_prints_every_manifest_as_one_yaml_stream(cli_runs: CliRuns, bus: str) -> None:
    # GIVEN the `cdk8s synth` outputs for both bus settings (dist/ after `good` and `managed`)
    printed, synthesised = (
        (cli_runs.stdout_good, cli_runs.good)
        if bus == "in-cluster"
        else (
            cli_runs.stdout,
            cli_runs.managed,
        )
    )
    # WHEN `cdk8s synth --stdout` runs with the same main.py
    assert printed.returncode == 0, printed.stderr
    # THEN its stdout is multi-document YAML holding exactly dist/'s objects, and no Kustomization
    documents = list(yaml.safe_load_all(printed.stdout))
    manifests = manifest_files(synthesised.dist)
    expected = [document for text in manifests.values() for document in yaml.safe_load_all(text)]
    assert kinds_and_names(documents) == kinds_and_names(expected)
    assert sorted(documents, key=lambda d: (d["kind"], d["metadata"]["name"])) == sorted(
        expected, key=lambda d: (d["kind"], d["metadata"]["name"])
    )
    # AND each document is its dist/ file byte for byte, the Namespace first (so `| kubectl apply -f -` works)
    assert sorted(printed.stdout.split("---\n")) == sorted(manifests.values())
    assert documents[0]["kind"] == "Namespace"


@pytest.mark.subprocess  # cdk8s-cli, a background job
def test_cdk8s_cli_synth_to_stdout_leaves_dist_and_scratch_alone(cli_runs: CliRuns) -> None:
    # GIVEN dist/ with the in-cluster output WHEN `cdk8s synth --stdout` runs with the managed bus, then the
    # in-cluster one THEN dist/ is not touched and nothing is left in the CLI's scratch folder
    for run in (cli_runs.stdout, cli_runs.stdout_good):
        assert run.returncode == 0, run.stderr
        assert run.dist == cli_runs.good.dist
        assert run.scratch == {}
    assert "kind: Deployment" not in cli_runs.stdout.stdout  # the managed bus: no Redis workload


@pytest.mark.subprocess  # cdk8s-cli, a background job
def test_failed_cdk8s_cli_synth_to_stdout_prints_nothing(cli_runs: CliRuns) -> None:
    run = cli_runs.stdout_bad
    assert run.returncode != 0
    assert run.stdout == ""
    assert [line for line in run.stderr.splitlines() if line.startswith("error: ")] == [
        "error: [agentsmith/redis] 'url' must use the redis:// or rediss:// scheme "
        "(got 'http://cache.example.com'). Use e.g. 'rediss://my-redis.example.com:6380' (rediss = TLS)."
    ]
    assert run.dist == cli_runs.good.dist


@pytest.mark.subprocess  # cdk8s-cli, a background job
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


def test_metrics_are_a_one_line_switch_for_the_in_cluster_bus() -> None:
    # GIVEN main.py's REDIS_METRICS line, off as shipped
    assert main.REDIS_METRICS is None
    assert "REDIS_METRICS: RedisMetrics | None = None\n" in (ROOT / "main.py").read_text(encoding="utf-8")
    # WHEN it is on THEN the bus gets its exporter, metrics Service, ServiceMonitor and PrometheusRule
    app = in_memory_app()
    main.build(app, None, RedisMetrics())
    names = sorted((obj["kind"], obj["metadata"]["name"]) for chart in app.charts for obj in chart.to_json())
    assert names == [
        ("Deployment", "redis"),
        ("Namespace", "agentsmith"),
        ("NetworkPolicy", "redis"),
        ("PrometheusRule", "redis"),
        ("Secret", "agentsmith-secrets"),
        ("Service", "redis"),
        ("Service", "redis-metrics"),
        ("ServiceMonitor", "redis"),
    ]
    # AND with a managed Redis there is no pod to put an exporter in: a clear error
    assert_config_error(
        lambda: main.build(in_memory_app(), "rediss://agentsmith.cache.example.com:6380", RedisMetrics()),
        prop="REDIS_METRICS",
        match=r"^'REDIS_METRICS' needs the in-cluster bus \(got RedisMetrics\(",
        fix="Monitor a managed Redis with its provider's metrics, or set MANAGED_REDIS_URL = None.",
    )


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


def test_errors_that_cdk8s_wraps_print_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a construct validation of someone else's that returns errors (cdk8s wraps them in a header line)
    import constructs
    import jsii

    @jsii.implements(constructs.IValidation)
    class TwoErrors:
        def validate(self) -> list[str]:
            return ["'replicas' must be 1 (got 2)", "'image' must be pinned"]

    original = main.build

    def build(app: Any, managed_redis_url: str | None = None) -> Any:
        endpoint = original(app, managed_redis_url)
        app.node.find_child(main.CHART_ID).node.add_validation(TwoErrors())
        return endpoint

    monkeypatch.setattr(main, "build", build)
    monkeypatch.delenv("AGENTSMITH_DEBUG", raising=False)
    # WHEN main.py runs THEN it prints the first error with its construct path, not the header, and writes nothing
    assert main.main(["--outdir", str(tmp_path / "dist")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: [agentsmith] 'replicas' must be 1 (got 2) (and 1 more: set AGENTSMITH_DEBUG=1)"
    ]
    assert list(tmp_path.iterdir()) == []
