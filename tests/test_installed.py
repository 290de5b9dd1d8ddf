"""The library as other cdk8s apps use it: pip-installed from the built wheel, no repository on the path.

The fresh virtual environments and the app runs happen in a background job
started at collection (``installed_runs``, see _installed.py); these tests
check what the apps wrote. Every consumer scenario of issue 11 is here: an app
with its own ``imports/`` (also under ``python -O``), cdk8s-plus-27 and the
newest cdk8s-plus-3x, each Python >= 3.10 on the machine, and the example's
snapshot tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from _installed import (
    EXAMPLE,
    NEWEST_PLUS,
    NEWEST_PLUS_MODULE,
    PYENV_VERSIONS,
    InstalledRuns,
    Run,
    lowest_supported,
)
from _readme import EXPECTED
from _support import load_dir
from packaging.version import Version

from testkit.manifests import the_container

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]  # a fresh venv per environment, a background job


def succeeded(run: Run) -> Run:
    assert run.returncode == 0, run.stdout + run.stderr
    # jsii ran on a supported Node.js: no end-of-life or untested-version banner
    assert "!!" not in run.stderr, run.stderr
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
    container = the_container(deployment)
    assert deployment["metadata"]["namespace"] == "jobs"
    assert container["args"][:2] == ["--maxmemory", "128mb"]
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": "bus"}
    assert sorted(path.name for path in run.outdir.iterdir()) == [
        "Deployment.bus.k8s.yaml",
        "NetworkPolicy.bus.k8s.yaml",
        "Secret.bus-connection.k8s.yaml",
        "Service.bus.k8s.yaml",
    ]


# -- objects that would overwrite each other (issue 12) ----------------------


def test_consumer_app_with_one_file_per_resource_clash_writes_nothing(installed_runs: InstalledRuns) -> None:
    # GIVEN a consumer app that never calls the collision check: EphemeralRedis 'redis' in namespaces
    # v1, v2 and v3 with one file per resource (all three Deployments would be Deployment.redis.k8s.yaml)
    run = installed_runs.clash_app
    # WHEN it runs app.synth() THEN it fails with one line naming both construct paths, the value and the fix
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stderr.strip().splitlines()[-1] == (
        "RuntimeError: [v2/redis/Deployment] 'metadata.name' would be written to 'Deployment.redis.k8s.yaml', "
        "the file of Deployment 'v1/redis' from [v1/redis/Deployment]: cdk8s names each file Kind.name.k8s.yaml "
        "without the namespace, so one file would overwrite the other (got 'redis'). Give one of them another name."
    )
    # AND nothing was written (cdk8s creates the empty output folder before it validates)
    assert sorted(path.name for path in run.outdir.rglob("*")) == []


def test_a_clash_between_the_app_s_own_objects_is_left_to_cdk8s(installed_runs: InstalledRuns) -> None:
    # GIVEN two same-name ConfigMaps of the app's own in two charts, and an EphemeralRedis in a third
    run = succeeded(installed_runs.user_clash_app)
    # THEN it synthesised as plain cdk8s would: both ConfigMaps written, one file per chart
    assert run.stdout.split() == ["bus.k8s.yaml", "one.k8s.yaml", "two.k8s.yaml"]
    for chart in ("one", "two"):
        (config_map,) = yaml.safe_load_all((run.outdir / f"{chart}.k8s.yaml").read_text(encoding="utf-8"))
        assert (config_map["kind"], config_map["metadata"]["name"]) == ("ConfigMap", "settings")


# -- examples/consumer, in-cluster and external (issue 8) -----------------

REDIS_URL_FROM_SECRET = [
    {"name": "REDIS_URL", "valueFrom": {"secretKeyRef": {"name": "agentsmith-secrets", "key": "redis-url"}}}
]


def worker_env(objects: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    container = the_container(objects[("Deployment", "worker")])
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


# -- any Kubernetes binding, any cdk8s-plus line (issue 11) -----------------


def env_of(outdir: Path, deployment: str) -> list[dict[str, Any]]:
    manifest = yaml.safe_load((outdir / f"Deployment.{deployment}.k8s.yaml").read_text(encoding="utf-8"))
    container = the_container(manifest)
    return list(container["env"])


BUS_URL_FROM_SECRET = [
    {"name": "REDIS_URL", "valueFrom": {"secretKeyRef": {"name": "bus-connection", "key": "redis-url"}}}
]


@pytest.mark.parametrize("optimized", [False, True], ids=["python", "python-O"])
def test_app_with_its_own_imports_wires_an_l1_deployment(installed_runs: InstalledRuns, optimized: bool) -> None:
    # GIVEN a classic python-app with its own generated imports/k8s and no cdk8s-plus installed
    run = succeeded(installed_runs.l1_app_optimized if optimized else installed_runs.l1_app)
    # THEN its L1 KubeDeployment took redis_url_env(bus), also with asserts off (python -O)
    assert run.report == {"k8s": "imports.k8s", "optimize": int(optimized), "plus": []}
    assert env_of(run.outdir, "worker") == BUS_URL_FROM_SECRET
    assert sorted(path.name for path in run.outdir.iterdir()) == [
        "Deployment.bus.k8s.yaml",
        "Deployment.worker.k8s.yaml",
        "NetworkPolicy.bus.k8s.yaml",
        "Secret.bus-connection.k8s.yaml",
        "Service.bus.k8s.yaml",
    ]


def test_lean_install_brings_no_cdk8s_plus(installed_runs: InstalledRuns) -> None:
    # the consumer app synthesised (test above) in an environment with the wheel and nothing else
    listed = subprocess.run(
        [
            str(installed_runs.python),
            "-c",
            "import importlib.metadata as m; print(*sorted(d.metadata['Name'].lower() for d in m.distributions()))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "agentsmith-infra" in listed and "cdk8s" in listed and "constructs" in listed
    assert [name for name in listed if name.startswith("cdk8s-plus")] == []


def test_pip_show_of_the_installed_wheel(installed_runs: InstalledRuns) -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(installed_runs.python), "show", "-v", "agentsmith-infra"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for line in (
        "Name: agentsmith-infra",
        "Home-page: https://github.com/agentsmith/agentsmith-infra",
        "Author: agentsmith maintainers",
        "License-Expression: Apache-2.0",
        "Requires: cdk8s, constructs",
        "  Changelog, https://github.com/agentsmith/agentsmith-infra/blob/main/CHANGELOG.md",
    ):
        assert line in shown, "\n".join(shown)
    location = next(line.split(": ", 1)[1] for line in shown if line.startswith("Location: "))
    (license_file,) = Path(location).glob("agentsmith_infra-*.dist-info/licenses/LICENSE")
    assert license_file.read_text(encoding="utf-8").startswith("\n                                 Apache License")


@pytest.mark.parametrize(
    ("line", "module"),
    [("cdk8s-plus-27", "cdk8s_plus_27"), (NEWEST_PLUS, NEWEST_PLUS_MODULE)],
    ids=["cdk8s-plus-27", "newest-cdk8s-plus-3x"],
)
def test_cdk8s_plus_app_wires_with_add_redis_url(installed_runs: InstalledRuns, line: str, module: str) -> None:
    # GIVEN an app on one cdk8s-plus line, and only that line installed
    run = succeeded(installed_runs.plus27_app if line == "cdk8s-plus-27" else installed_runs.plus3x_app)
    assert run.report == {"kplus": module, "optimize": 0, "plus": [line]}
    # THEN add_redis_url wired both cdk8s-plus workers, and redis_url_env the line's own L1 k8s.Container,
    # with the same variable and Secret reference
    for deployment in ("worker", "dispatcher", "l1-worker"):
        assert env_of(run.outdir, deployment) == BUS_URL_FROM_SECRET, deployment


FEATURE_ERRORS = {
    "persistence in 512Mi": "AgentsmithConfigError maxmemory",
    "persistence fsync": "AgentsmithConfigError persistence.fsync",
    "toleration seconds": "AgentsmithConfigError placement.tolerations[0].toleration_seconds",
    "priority class": "AgentsmithConfigError placement.priority_class_name",
    "pull policy": "AgentsmithConfigError pod_options.image_pull_policy",
    "dashboard": "AgentsmithConfigError metrics.dashboard",
    "tls_ca over redis://": "AgentsmithConfigError tls_ca",
    "cluster": "AgentsmithConfigError cluster",
    "redis_url host": "AgentsmithConfigError host",
}
#: The worker wired to a managed Redis over TLS with a private CA, a client certificate and Cluster.
TLS_WORKER_ENV = [
    {"name": "REDIS_URL", "valueFrom": {"secretKeyRef": {"name": "agentsmith-secrets", "key": "redis-url"}}},
    {"name": "REDIS_TLS_CA_FILE", "value": "/etc/agentsmith/redis-tls/ca/ca.crt"},
    {"name": "REDIS_TLS_CERT_FILE", "value": "/etc/agentsmith/redis-tls/client/tls.crt"},
    {"name": "REDIS_TLS_KEY_FILE", "value": "/etc/agentsmith/redis-tls/client/tls.key"},
    {"name": "REDIS_CLUSTER", "value": "true"},
]


@pytest.mark.parametrize("binding", ["imports.k8s", "cdk8s-plus-27", "newest-cdk8s-plus-3x"])
def test_the_newer_props_and_helpers_work_from_the_wheel(installed_runs: InstalledRuns, binding: str) -> None:
    # GIVEN an app outside the repository (its own imports/k8s, or one cdk8s-plus line) using the wheel's newer
    # props (persistence, placement, pod options, disruption, dashboard) and TLS/Cluster wiring, and bad input
    run = succeeded(
        {
            "imports.k8s": installed_runs.features_l1,
            "cdk8s-plus-27": installed_runs.features_plus27,
            "newest-cdk8s-plus-3x": installed_runs.features_plus3x,
        }[binding]
    )
    report = run.report
    # THEN every bad input is an AgentsmithConfigError naming its prop, and redis_url encodes the password
    assert report["errors"] == FEATURE_ERRORS
    assert report["url"] == "rediss://agent:a%2Fb%2Bc%3Dd%40e%3Af%25g@cache.example.com:6380"
    # AND the bus carries the new objects and fields
    names = {path.name for path in run.outdir.iterdir()}
    for file in ("PersistentVolumeClaim.bus-data", "PodDisruptionBudget.bus", "ConfigMap.bus-dashboard"):
        assert f"{file}.k8s.yaml" in names, sorted(names)
    bus = yaml.safe_load((run.outdir / "Deployment.bus.k8s.yaml").read_text(encoding="utf-8"))
    pod = bus["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"pool": "bus"} and pod["priorityClassName"] == "bus-critical"
    assert pod["imagePullSecrets"] == [{"name": "registry"}]
    assert [c["imagePullPolicy"] for c in pod["containers"]] == ["IfNotPresent", "IfNotPresent"]
    assert pod["volumes"] == [{"name": "data", "persistentVolumeClaim": {"claimName": "bus-data"}}]
    assert "--appendonly" in pod["containers"][0]["args"]
    # AND the worker reads the URL, the CA and client files (mounted read-only) and the Cluster flag
    worker = yaml.safe_load((run.outdir / "Deployment.worker.k8s.yaml").read_text(encoding="utf-8"))
    assert env_of(run.outdir, "worker") == TLS_WORKER_ENV
    mounts = the_container(worker)["volumeMounts"]
    assert [(m["mountPath"], m["readOnly"]) for m in mounts] == [
        ("/etc/agentsmith/redis-tls/ca", True),
        ("/etc/agentsmith/redis-tls/client", True),
    ]
    volumes = {v["name"]: v["secret"]["secretName"] for v in worker["spec"]["template"]["spec"]["volumes"]}
    assert volumes == {"redis-tls-ca": "managed-ca", "redis-tls-client": "managed-client"}


def test_the_lowest_supported_versions_wire_with_add_redis_url(installed_runs: InstalledRuns) -> None:
    # GIVEN the wheel with the lowest cdk8s, constructs and cdk8s-plus-27 that pyproject.toml allows
    def versions(pins: list[str]) -> dict[str, Version]:
        return {pin.split("==")[0]: Version(pin.split("==")[1]) for pin in pins}

    assert versions(succeeded(installed_runs.lowest_versions).stdout.split()) == versions(lowest_supported())
    # THEN the cdk8s-plus app wires its workers as with the locked versions
    run = succeeded(installed_runs.lowest_app)
    assert run.report == {"kplus": "cdk8s_plus_27", "optimize": 0, "plus": ["cdk8s-plus-27"]}
    for deployment in ("worker", "dispatcher", "l1-worker"):
        assert env_of(run.outdir, deployment) == BUS_URL_FROM_SECRET, deployment


def test_each_python_installs_the_wheel_and_synthesises(
    installed_runs: InstalledRuns, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = {
        f"{interpreter.version} ({interpreter.path})": run for interpreter, run in installed_runs.interpreters.items()
    }
    with capsys.disabled():
        print(f"\nconsumer app synthesised from the wheel by Python {', '.join(sorted(ran))}")
    for name, run in ran.items():
        assert succeeded(run).stdout.split()[1:] == ["redis://bus:6379", "bus.jobs.svc.cluster.local"], name
        assert sorted(path.name for path in run.outdir.iterdir())[0] == "Deployment.bus.k8s.yaml", name
    # every pyenv version >= 3.10 on this machine is among them
    pyenv = {
        p.name
        for p in PYENV_VERSIONS.glob("*")
        if p.name[:1].isdigit() and tuple(map(int, p.name.split(".")[:2])) >= (3, 10)
    }
    assert pyenv <= {interpreter.version for interpreter in installed_runs.interpreters}


# -- the documents' snippets with the newest cdk8s-plus line ------------------


def test_readme_as_a_cdk8s_init_python_app_synthesises_with_the_cli(installed_runs: InstalledRuns) -> None:
    # GIVEN a `cdk8s init python-app`-shaped project (cdk8s.yaml, requirements.txt, its own imports/) whose main.py
    # is the README's blocks, installed with `pip install -r requirements.txt` from the wheel
    run = succeeded(installed_runs.readme_init_app)
    # WHEN `cdk8s synth` runs it THEN the CLI lists the files and dist/ holds every object the README defines
    assert "dist/" in run.stdout + run.stderr
    objects = sorted(
        (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])
        for path in run.outdir.glob("*.k8s.yaml")
        for o in yaml.safe_load_all(path.read_text(encoding="utf-8"))
    )
    assert objects == EXPECTED["README.md"]


def test_readme_in_the_uv_project_cdk8s_init_makes_synthesises_with_the_cli(installed_runs: InstalledRuns) -> None:
    # GIVEN the uv project `cdk8s init python-app` makes (pyproject.toml, cdk8s.yaml running `uv run python main.py`,
    # its own imports/) whose main.py is the README's blocks, installed with the README's `uv add`
    run = succeeded(installed_runs.readme_uv_init_app)
    # WHEN `cdk8s synth` runs it THEN dist/ holds every object the README defines
    objects = sorted(
        (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])
        for path in run.outdir.glob("*.k8s.yaml")
        for o in yaml.safe_load_all(path.read_text(encoding="utf-8"))
    )
    assert objects == EXPECTED["README.md"]
    # AND pyproject.toml records the library and the cdk8s-plus line, so `uv sync` keeps both
    pyproject = (run.outdir.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '"agentsmith-infra"' in pyproject and '"cdk8s-plus-33' in pyproject, pyproject


@pytest.mark.parametrize("doc", ["README.md", "PACKAGE.md"])
def test_doc_snippets_with_the_newest_cdk8s_plus_line(installed_runs: InstalledRuns, doc: str) -> None:
    # GIVEN the blocks pasted in order, the one documented edit made: import cdk8s_plus_37 as kplus
    run = succeeded(installed_runs.readme_plus3x if doc == "README.md" else installed_runs.package_plus3x)
    # THEN every object is in dist/ (the same list as with cdk8s-plus-27, tests/test_readme_snippets.py)
    objects = sorted(
        (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])
        for path in run.outdir.glob("*.k8s.yaml")
        for o in yaml.safe_load_all(path.read_text(encoding="utf-8"))
    )
    assert objects == EXPECTED[doc]


# -- a worker in another namespace than the bus ------------------------------


def test_cross_namespace_wiring_without_opt_in_is_refused_at_synth(installed_runs: InstalledRuns) -> None:
    # GIVEN an app with the bus in namespace agentsmith and workers in jobs, wired with add_redis_url and
    # redis_url_env WHEN it synthesises THEN it fails with one line naming both namespaces and the fix
    run = installed_runs.namespaces_refused
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stderr.strip().splitlines()[-1] == (
        "RuntimeError: [jobs/worker/Resource] 'containers[worker].env[REDIS_URL]' reads Secret 'agentsmith-secrets' "
        "in namespace 'jobs', but [bus/redis] publishes it in namespace 'agentsmith' only: a pod reads Secrets from "
        "its own namespace, so it would not start (got 'agentsmith-secrets'). Pass client_namespaces=['jobs'] to "
        "[bus/redis] (it publishes the Secret in 'jobs' and admits 'jobs' in its NetworkPolicy), or run the "
        "workload in namespace 'agentsmith'."
    )
    assert sorted(path.name for path in run.outdir.rglob("*")) == []


def test_cross_namespace_wiring_with_client_namespaces(installed_runs: InstalledRuns) -> None:
    run = succeeded(installed_runs.namespaces_client)
    assert run.report == {"kplus": "cdk8s_plus_27", "client_namespaces": ["jobs"]}
    assert sorted(path.name for path in run.outdir.iterdir()) == ["bus.k8s.yaml", "jobs.k8s.yaml"]
    objects = {
        (o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]): o
        for path in run.outdir.iterdir()
        for o in yaml.safe_load_all(path.read_text(encoding="utf-8"))
    }
    # the workers in jobs read the Secret published in jobs, which holds the cluster-wide name
    assert objects[("Secret", "jobs", "agentsmith-secrets")]["stringData"] == {
        "redis-url": "redis://redis.agentsmith.svc.cluster.local:6379"
    }
    for deployment in ("worker", "l1-worker"):
        container = the_container(objects[("Deployment", "jobs", deployment)])
        assert container["env"] == REDIS_URL_FROM_SECRET, deployment
    # and the bus's NetworkPolicy admits namespace jobs
    (rule,) = objects[("NetworkPolicy", "agentsmith", "redis")]["spec"]["ingress"]
    selectors = [peer.get("namespaceSelector") for peer in rule["from"]]
    assert selectors == [None, {"matchLabels": {"kubernetes.io/metadata.name": "jobs"}}]


# -- examples/consumer's own snapshot tests (issue 11) ----------------------


def test_example_snapshot_tests_pass(installed_runs: InstalledRuns) -> None:
    run = installed_runs.example_tests
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test_main.py::test_in_cluster_bus PASSED" in run.stdout
    assert "test_main.py::test_external_bus PASSED" in run.stdout
    assert "2 snapshots passed." in run.stdout


def test_example_requirements_name_the_package_not_a_path_in_the_clone() -> None:
    # the example works when copied out of the clone: no `../..` or other path
    lines = (EXAMPLE / "requirements.txt").read_text(encoding="utf-8").splitlines()
    requirements = [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    assert requirements[0] == "agentsmith-infra"
    assert [r for r in requirements if r.startswith((".", "/", "-e", "file:"))] == []


def test_importing_testing_from_cdk8s_breaks_collection(installed_runs: InstalledRuns) -> None:
    # the trap examples/consumer/README.md documents: still true with this cdk8s and pytest
    run = installed_runs.testing_trap
    assert run.returncode == 2, run.stdout  # pytest: interrupted (collection error)
    assert "ERROR test_trap.py::Testing - AttributeError" in run.stdout


# -- the overlay check, as the wheel installs it -----------------------------------------------------------------


def test_the_installed_overlay_check_refuses_a_broken_overlay_and_passes_a_good_one(
    installed_runs: InstalledRuns,
) -> None:
    # GIVEN the wheel in a fresh venv, a copy of dist/ and two overlays in a folder outside the repository
    broken, good, stdin = installed_runs.overlay_broken, installed_runs.overlay_good, installed_runs.overlay_stdin
    # WHEN its console script checks them THEN the broken one fails with one line naming the object and the fix
    for run in (broken, stdin):
        assert run.returncode == 1, run.stdout + run.stderr
        assert run.stdout.splitlines() == [
            "Secret agentsmith/agentsmith-secrets: redis-url says port 6379 but Service agentsmith/redis listens on "
            "6380: clients connect to a closed port; keep the Service's port and the URL's equal "
            "(EphemeralRedis(port=...) writes both; k8s/examples/renamed copies the port into the URL)"
        ]
    # AND the good one passes
    assert (good.returncode, good.stdout) == (0, "ok\n"), good.stdout + good.stderr
    for run in (broken, good, stdin):
        assert "!!" not in run.stderr, run.stderr  # jsii on a supported Node.js
    print(f"\nagentsmith-check-overlay broken -> exit {broken.returncode}: {broken.stdout.strip()}")
    print(f"agentsmith-check-overlay good -> exit {good.returncode}: {good.stdout.strip()}")
