"""Shared fixtures: one in-process synth per session, tool lookup that never skips in CI."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import pytest
import yaml
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from _background import Jobs  # noqa: E402
from _checkov import checkov_command, scan_with_checkov  # noqa: E402
from _cli import CLI, CliRuns, run_cli_synths  # noqa: E402
from _installed import InstalledRuns, run_installed_apps  # noqa: E402

import main  # noqa: E402

SEED = ROOT.parent / "shared" / "seed" / "000_7557595a55f133eb.txt"


def require_tool(name: str, install_hint: str) -> str:
    """Path of an executable; outside CI a missing tool skips, under CI=true it fails."""
    found = shutil.which(name)
    if found:
        return found
    message = f"'{name}' is not installed: {install_hint}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require_redis_server(image: str) -> str:
    """Path of a redis-server (and redis-cli) whose major version matches ``image``'s tag.

    Missing or mismatched: skip outside CI, fail under CI=true, with an install hint.
    """
    import re

    from _redis_runtime import redis_server_version

    path = require_tool("redis-server", "apt-get install redis-server")
    require_tool("redis-cli", "apt-get install redis-server")
    image_major = re.search(r"redis:(\d+)", image)
    assert image_major, f"cannot read Redis's major version from image {image!r}"
    version = redis_server_version(path)
    if version[0] != int(image_major[1]):
        message = (
            f"redis-server {'.'.join(map(str, version))} does not match image {image!r}: "
            f"install Redis {image_major[1]}.x (Debian bookworm: apt-get install redis-server)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def in_memory_app() -> Any:
    """A cdk8s App for ``Testing.synth``/``to_json`` only: ``app.synth()`` would fail loudly.

    ``cdk8s.Testing.app()`` creates a temporary folder per call and leaves it behind.
    """
    import cdk8s

    return cdk8s.App(outdir="/dev/null/in-memory-app-never-synthesised")


def load_dir(folder: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Every object in ``folder/*.k8s.yaml`` keyed by (kind, name)."""
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(folder.glob("*.k8s.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            key = (document["kind"], document["metadata"]["name"])
            assert key not in objects, f"duplicate object {key}"
            objects[key] = document
    return objects


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """main.py synthesised once, in process, into a temporary dist/."""
    outdir = tmp_path_factory.mktemp("synth") / "dist"
    main.synth(outdir)
    return outdir


@pytest.fixture(scope="session")
def manifests(synth_dir: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return load_dir(synth_dir)


def read_seed() -> dict[tuple[str, str], dict[str, Any]]:
    """The seed's two YAML blocks that define Kubernetes objects, parsed."""
    if not SEED.is_file():
        pytest.fail(
            f"the design seed is missing: {SEED}. The tests expect the shared/ folder beside this "
            "repository (as in CI); clone it next to shared/ or copy shared/seed there.",
            pytrace=False,
        )
    text = SEED.read_text(encoding="utf-8")
    objects = {}
    for block in text.split("```yaml\n")[1:]:
        document = yaml.safe_load(block.split("```", 1)[0])
        if isinstance(document, dict) and "kind" in document:
            objects[(document["kind"], document["metadata"]["name"])] = document
    assert set(objects) == {("Deployment", "redis"), ("Service", "redis")}, objects.keys()
    return objects


@pytest.fixture(scope="session")
def seed_manifests() -> dict[tuple[str, str], dict[str, Any]]:
    return read_seed()


@pytest.fixture()
def synth_chart(tmp_path: Path) -> Iterator[Callable[..., list[dict[str, Any]]]]:
    """Build constructs in a fresh chart and return the synthesised objects."""
    import cdk8s

    def run(build: Callable[[Any], object], *, namespace: str | None = "agentsmith") -> list[dict[str, Any]]:
        app = cdk8s.App(outdir=str(tmp_path / "cdk8s.out"))  # Testing.app() leaves a folder in /tmp
        chart = cdk8s.Chart(app, "test", namespace=namespace, disable_resource_name_hashes=True)
        build(chart)
        return list(cdk8s.Testing.synth(chart))

    yield run


class YamlSnapshotExtension(SingleFileSnapshotExtension):
    """Snapshots as readable multi-document YAML files under tests/__snapshots__/."""

    _write_mode = WriteMode.TEXT
    file_extension = "yaml"

    def serialize(self, data: Any, **kwargs: Any) -> str:
        return yaml.safe_dump_all(data, sort_keys=True, default_flow_style=False)


@pytest.fixture()
def snapshot_yaml(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(YamlSnapshotExtension)


#: Background jobs by fixture name; started when collection ends (see _background.py).
JOBS = Jobs()
BACKGROUND: dict[str, Callable[[Path], Any]] = {
    "installed_runs": run_installed_apps,
    "checkov_scans": lambda base: scan_with_checkov(base, read_seed()),
    "cli_synths": run_cli_synths,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that wait for a background job last, so the jobs overlap with the rest."""
    items.sort(key=lambda item: bool(set(getattr(item, "fixturenames", ())) & set(BACKGROUND)))


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    needed = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    for name, job in BACKGROUND.items():
        if name in needed:
            JOBS.start(name, job)


def pytest_sessionfinish(session: pytest.Session) -> None:
    JOBS.close()


@pytest.fixture(scope="session")
def installed_runs() -> InstalledRuns:
    """Apps synthesised by a fresh venv that installed the built wheel (see _installed.py)."""
    runs: InstalledRuns = JOBS.result("installed_runs", run_installed_apps)
    return runs


@pytest.fixture(scope="session")
def checkov_scans() -> dict[str, dict[str, Any]]:
    """checkov over dist/ defaults, a hardened example and the seed (see _checkov.py)."""
    if checkov_command() is None:
        require_tool("checkov", "run `bash tools/setup.sh` (it creates .venv-checkov)")
    scans: dict[str, dict[str, Any]] = JOBS.result("checkov_scans", BACKGROUND["checkov_scans"])
    return scans


@pytest.fixture(scope="session")
def cli_synths() -> CliRuns:
    """Two `cdk8s synth` runs through cdk8s-cli (see _cli.py)."""
    if not CLI.exists():
        require_tool("cdk8s-cli-in-node_modules", "run `bash tools/setup.sh` (npm ci installs cdk8s-cli)")
    runs: CliRuns = JOBS.result("cli_synths", run_cli_synths)
    return runs
