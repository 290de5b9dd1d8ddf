"""`cdk8s synth` through cdk8s-cli, twice: a good synth, then one with an invalid bus URL.

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

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "node_modules" / ".bin" / "cdk8s"
GOOD_BUS = "BUS: InClusterRedis | ManagedRedis = InClusterRedis()"
BAD_BUS = "BUS: InClusterRedis | ManagedRedis = ManagedRedis(url='http://cache.example.com')"


@dataclass(frozen=True)
class Synth:
    returncode: int
    stderr: str
    dist: dict[str, bytes]  # file name -> bytes, after the run


@dataclass(frozen=True)
class CliRuns:
    good: Synth
    bad: Synth


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())} if folder.is_dir() else {}


def run_cli_synths(base: Path) -> CliRuns:
    project = base / "project"
    project.mkdir()
    for name in ("main.py", "cdk8s.yaml"):
        (project / name).write_bytes((ROOT / name).read_bytes())
    # as `npx cdk8s synth` runs it: cdk8s-cli on the project's Node.js (node_modules/.bin first on PATH)
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(CLI.parent), str(Path(sys.executable).parent), os.environ["PATH"]]),
    }

    def synth() -> Synth:
        result = subprocess.run(
            [str(CLI), "--no-check-upgrade", "synth"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            check=False,
        )
        return Synth(result.returncode, result.stderr, _snapshot(project / "dist"))

    good = synth()
    main_py = project / "main.py"
    text = main_py.read_text(encoding="utf-8")
    assert text.count(GOOD_BUS) == 1, "main.py no longer has the one-line bus setting"
    main_py.write_text(text.replace(GOOD_BUS, BAD_BUS), encoding="utf-8")
    return CliRuns(good=good, bad=synth())
