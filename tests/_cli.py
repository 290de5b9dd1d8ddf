"""`cdk8s synth` through cdk8s-cli: a good synth, one with an invalid bus URL, the stale-restore case, and `--stdout`.

The stale-restore case (issue 12): synth with the managed bus, put main.py and
dist/ back to the in-cluster version by hand, make a typo, synth again.

Subprocesses and files only (it runs as a background job, see _background.py).
The project is a copy of main.py and cdk8s.yaml; agentsmith comes from the
environment (the editable install).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from _background import JOB_ENV
from _support import APP_FILES, ROOT

from testkit.kill import BAD as BAD_BUS
from testkit.kill import CLI
from testkit.kill import IN_CLUSTER as GOOD_BUS
from testkit.kill import MANAGED as MANAGED_BUS

SCRATCH = ".cdk8s-cli.out"  # cdk8s.yaml's output


@dataclass(frozen=True)
class Synth:
    returncode: int
    stdout: str
    stderr: str
    dist: dict[str, bytes]  # file name -> bytes, after the run
    scratch: dict[str, bytes]  # the CLI's output folder, after the run


@dataclass(frozen=True)
class CliRuns:
    good: Synth
    bad: Synth  # invalid bus URL after ``good``
    managed: Synth  # a good synth with the managed bus, after ``bad``
    stale: Synth  # main.py and dist/ back to ``good``'s by hand, with an invalid bus URL
    stdout: Synth  # `cdk8s synth --stdout` with the managed bus, after ``stale``
    stdout_good: Synth  # `cdk8s synth --stdout` with ``good``'s main.py, after ``stdout``
    stdout_bad: Synth  # `cdk8s synth --stdout` with an invalid bus URL, after ``stdout_good``


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())} if folder.is_dir() else {}


def run_cli_synths(base: Path) -> CliRuns:
    project = base / "project"
    project.mkdir()
    for name in APP_FILES:
        (project / name).write_bytes((ROOT / name).read_bytes())
    # as `npx cdk8s synth` runs it: cdk8s-cli on the project's Node.js (node_modules/.bin first on PATH)
    env = {
        **JOB_ENV,
        "PATH": os.pathsep.join([str(CLI.parent), str(Path(sys.executable).parent), JOB_ENV["PATH"]]),
    }

    def synth(*options: str) -> Synth:
        result = subprocess.run(
            [str(CLI), "--no-check-upgrade", "synth", *options],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            check=False,
        )
        return Synth(
            result.returncode, result.stdout, result.stderr, _snapshot(project / "dist"), _snapshot(project / SCRATCH)
        )

    main_py = project / "main.py"
    text = main_py.read_text(encoding="utf-8")
    assert text.count(GOOD_BUS) == 1, "main.py no longer has the one-line bus setting"

    def with_bus(bus: str) -> Synth:
        main_py.write_text(text.replace(GOOD_BUS, bus), encoding="utf-8")
        return synth()

    good = synth()
    bad = with_bus(BAD_BUS)
    managed = with_bus(MANAGED_BUS)
    # `git checkout main.py dist`, then a typo
    for path in (project / "dist").iterdir():
        path.unlink()
    for name, data in good.dist.items():
        (project / "dist" / name).write_bytes(data)
    stale = with_bus(BAD_BUS)
    main_py.write_text(text.replace(GOOD_BUS, MANAGED_BUS), encoding="utf-8")
    stdout = synth("--stdout")
    main_py.write_text(text, encoding="utf-8")
    stdout_good = synth("--stdout")
    main_py.write_text(text.replace(GOOD_BUS, BAD_BUS), encoding="utf-8")
    stdout_bad = synth("--stdout")
    return CliRuns(
        good=good, bad=bad, managed=managed, stale=stale, stdout=stdout, stdout_good=stdout_good, stdout_bad=stdout_bad
    )
