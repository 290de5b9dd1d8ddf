"""The library as other cdk8s apps use it: a fresh venv with the built wheel runs three apps.

Subprocesses and files only (it runs as a background job, see _background.py):
builds the wheel from a clean copy of the sources, makes a venv without the
repository on its path, and runs, at the same time, a small consumer app
(issue 2) and examples/consumer in its two modes (issue 8).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "consumer"

CONSUMER_APP = """
import importlib.util
import cdk8s
import agentsmith
from agentsmith import EphemeralRedis

assert importlib.util.find_spec("imports") is None, "the repository's imports/ leaked onto the path"
print(agentsmith.__file__)

app = cdk8s.App(outdir="out", yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
chart = cdk8s.Chart(app, "consumer", namespace="jobs", disable_resource_name_hashes=True)
bus = EphemeralRedis(chart, "bus", name="bus", maxmemory="128mb")
print(bus.url, bus.fqdn)
app.synth()
"""


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    outdir: Path  # the app's synthesised manifests


@dataclass(frozen=True)
class InstalledRuns:
    python: Path
    consumer: Run
    example_ephemeral: Run
    example_external: Run


def build_installed_venv(base: Path) -> Path:
    """A fresh virtual environment with this package installed from its built wheel.

    Returns the environment's python. The wheel is built from a clean copy of
    the sources (no stale build/ folder); dependencies come from the package
    index, pinned by constraints.txt; nothing from the repository is on its path.
    The venv is made without pip and filled by this environment's pip
    (``--python``), which saves seconds of ensurepip. Subprocesses only: it runs
    as a background job.
    """
    import subprocess

    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "agentsmith", source / "agentsmith", ignore=shutil.ignore_patterns("__pycache__"))
    wheels = base / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(wheels), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = wheels.glob("agentsmith_infra-*.whl")
    venv = base / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True, timeout=300
    )
    python = venv / "bin" / "python"
    subprocess.run(
        [*pip, "--python", str(python), "install", "--quiet", "-c", str(ROOT / "constraints.txt"), str(wheel)],
        check=True,
        capture_output=True,
        timeout=900,
    )
    return python


def run_installed_apps(base: Path) -> InstalledRuns:
    python = build_installed_venv(base)
    clean = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "REDIS_EXTERNAL_URL"}}
    clean["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    consumer = base / "consumer"
    consumer.mkdir()
    (consumer / "main.py").write_text(CONSUMER_APP, encoding="utf-8")
    shutil.copytree(EXAMPLE, base / "example-ephemeral")
    shutil.copytree(EXAMPLE, base / "example-external")
    apps = {
        "consumer": (consumer, {}, "out"),
        "example_ephemeral": (base / "example-ephemeral", {}, "dist"),
        "example_external": (
            base / "example-external",
            {"REDIS_EXTERNAL_URL": "rediss://cache.example.com:6380"},
            "dist",
        ),
    }
    processes = {
        name: subprocess.Popen(
            [str(python), "main.py"],
            cwd=cwd,
            env={**clean, **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, (cwd, extra, _) in apps.items()
    }
    runs = {}
    for name, process in processes.items():
        stdout, stderr = process.communicate(timeout=300)
        cwd, _, out = apps[name]
        runs[name] = Run(process.returncode, stdout, stderr, cwd / out)
    return InstalledRuns(python=python, **runs)
