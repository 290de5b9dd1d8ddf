"""Shared fixtures: one in-process synth per session, tool lookup that never skips in CI."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from _support import ROOT

#: jsii runs on the project's pinned Node.js LTS (package.json; tools/setup.sh installs it) unless JSII_NODE is set.
PROJECT_NODE = ROOT / "node_modules" / ".bin" / "node"
if PROJECT_NODE.is_file():
    os.environ.setdefault("JSII_NODE", str(PROJECT_NODE))

import pytest
import yaml
from _background import Jobs
from _bad_props import BadChart
from _checkov import checkov_command, scan_with_checkov
from _cli import CliRuns, run_cli_synths
from _installed import InstalledRuns, run_installed_apps
from _no_process import PROCESS_MARKERS, forbid_processes
from _support import HYPOTHESIS_PROFILE, HYPOTHESIS_PROFILES, SynthRedis, load_dir, read_seed, require_tool
from hypothesis import settings
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from testkit.kill import CLI, ConcurrentRuns, Trials, run_concurrent_synths, run_kill_trials

if str(ROOT) not in sys.path:  # main.py and the agentsmith checkout
    sys.path.insert(0, str(ROOT))

import main

# Derandomized (CI sees the same examples every run), no example database written under .hypothesis/.
settings.register_profile("full", derandomize=True, database=None, deadline=None)
settings.register_profile("fast", parent=settings.get_profile("full"), max_examples=10)
if HYPOTHESIS_PROFILE not in HYPOTHESIS_PROFILES:
    raise pytest.UsageError(f"AGENTSMITH_HYPOTHESIS={HYPOTHESIS_PROFILE!r}: use one of {HYPOTHESIS_PROFILES}")
settings.load_profile(HYPOTHESIS_PROFILE)


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """main.py synthesised once, in process, into a temporary dist/."""
    outdir = tmp_path_factory.mktemp("synth") / "dist"
    main.synth(outdir)
    return outdir


@pytest.fixture(scope="session")
def manifests(synth_dir: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return load_dir(synth_dir)


@pytest.fixture(scope="session")
def seed_manifests() -> dict[tuple[str, str], dict[str, Any]]:
    return read_seed()


@pytest.fixture()
def synth_chart() -> Iterator[Callable[..., list[dict[str, Any]]]]:
    """Build constructs in a fresh chart and return the synthesised objects (nothing is written)."""
    import cdk8s

    from testkit.project import in_memory_app

    def run(build: Callable[[Any], object], *, namespace: str | None = "agentsmith") -> list[dict[str, Any]]:
        app = in_memory_app()  # cdk8s.Testing.app() would leave a folder in /tmp
        chart = cdk8s.Chart(app, "test", namespace=namespace, disable_resource_name_hashes=True)
        build(chart)
        return list(cdk8s.Testing.synth(chart))

    yield run


@pytest.fixture(scope="module")
def bad_chart() -> BadChart:
    """One chart a test module for its bad-input rows (``_bad_props.py``)."""
    return BadChart()


@pytest.fixture(scope="session")
def synth_redis() -> SynthRedis:
    """A bus alone in a chart, built once a session per configuration (``_support.SynthRedis``)."""
    return SynthRedis()


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
    "kill_trials": run_kill_trials,
    "concurrent_synths": run_concurrent_synths,
}


def _jobs_waited_for(item: pytest.Item) -> list[str]:
    return sorted(set(getattr(item, "fixturenames", ())) & set(BACKGROUND))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Check that the tests that wait for a background job say so (``subprocess``); run them last to overlap.

    The marker is written on the test (``@pytest.mark.subprocess`` or a module's ``pytestmark``), not inferred:
    a test that uses a job's fixture without it fails collection and names the marker to add.
    """
    unmarked = [
        f"{item.nodeid} waits for the background job(s) {', '.join(jobs)} (processes): "
        "add @pytest.mark.subprocess to it (or `pytestmark = pytest.mark.subprocess` to its module)"
        for item in items
        if (jobs := _jobs_waited_for(item)) and not item.get_closest_marker("subprocess")
    ]
    if unmarked:
        raise pytest.UsageError("\n".join(unmarked))
    items.sort(key=lambda item: bool(_jobs_waited_for(item)))


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    # What imports and collection built (modules, jsii's type registry, the test items) lives for the whole
    # session: move it out of the cyclic garbage collector's way. Its full collections during the fast loop
    # scanned about 190,000 objects each; 0.76 -> 0.35 s in all.
    gc.freeze()
    needed = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    for name, job in BACKGROUND.items():
        if name in needed:
            JOBS.start(name, job)


def pytest_sessionfinish(session: pytest.Session) -> None:
    JOBS.close()


def _process_guard(item: pytest.Item) -> AbstractContextManager[None]:
    """A test without a process marker may not start a process (_no_process.py); a marked one may."""
    if any(item.get_closest_marker(name) for name in PROCESS_MARKERS):
        return nullcontext()
    return forbid_processes(item.nodeid)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    with _process_guard(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _process_guard(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    with _process_guard(item):
        return (yield)


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


@pytest.fixture(scope="session")
def kill_trials() -> Trials:
    """`python main.py` and `cdk8s synth` signalled at many points (see testkit/kill.py)."""
    if not CLI.exists():
        require_tool("cdk8s-cli-in-node_modules", "run `bash tools/setup.sh` (npm ci installs cdk8s-cli)")
    trials: Trials = JOBS.result("kill_trials", run_kill_trials)
    return trials


@pytest.fixture(scope="session")
def concurrent_synths() -> ConcurrentRuns:
    """Four `python main.py` runs into one folder at once (see testkit/kill.py)."""
    runs: ConcurrentRuns = JOBS.result("concurrent_synths", run_concurrent_synths)
    return runs
