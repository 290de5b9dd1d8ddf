"""The Python environments' locks (``requirements/*.lock``): what each pins, and what an environment holds.

A lock is written by ``uv pip compile --universal --generate-hashes`` (``tools/update-locks.sh``): one file
serves Python 3.10 to 3.13 on any platform, so a line may carry an environment marker and what a lock pins
depends on the interpreter that installs it. Stdlib and ``packaging`` only (every lock has it):
``tools/sync_env.py`` uses this right after ``tools/setup.sh`` installed a lock.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

from testkit.project import ROOT

LOCKS = ROOT / "requirements"
#: The one command that moves the locks (and what depends on tool versions) forward; error messages name it.
UPDATE_COMMAND = "bash tools/update-locks.sh"
#: Installed editable from the checkout, which cannot be hashed: in no lock.
UNLOCKED = frozenset({"agentsmith-infra"})


@dataclass(frozen=True)
class Environment:
    """A virtual environment tools/setup.sh makes, and the lock it holds exactly."""

    folder: str  # relative to the checkout
    lock: str  # the file in requirements/
    sources: str  # what the lock is compiled from, where a requirement is added

    @property
    def python(self) -> Path:
        return ROOT / self.folder / "bin" / "python"

    @property
    def lock_path(self) -> Path:
        return LOCKS / self.lock


ENVIRONMENTS = {
    ".venv": Environment(".venv", "dev.lock", "requirements/dev.in or pyproject.toml"),
    ".venv-checkov": Environment(".venv-checkov", "checkov.lock", "requirements/checkov.in"),
}

#: Run by an environment's own python (stdlib only): its marker environment (as packaging's
#: default_environment computes it) and its installed distributions.
PROBE = """
import importlib.metadata, json, os, platform, sys
def full(info):
    version = f"{info.major}.{info.minor}.{info.micro}"
    return version if info.releaselevel == "final" else version + info.releaselevel[0] + str(info.serial)
environment = {
    "implementation_name": sys.implementation.name,
    "implementation_version": full(sys.implementation.version),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "platform_python_implementation": platform.python_implementation(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
installed = {d.metadata["Name"]: d.version for d in importlib.metadata.distributions()}
print(json.dumps({"environment": environment, "installed": installed}))
"""


def normalize(name: str) -> str:
    """A distribution's name as package indexes compare it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(path: Path) -> list[Requirement]:
    """The requirement lines of a requirements file (a lock or an ``.in``), continuation lines joined."""
    found = []
    for line in path.read_text(encoding="utf-8").replace("\\\n", " ").splitlines():
        line = line.split(" #", 1)[0].split("--hash", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            found.append(Requirement(line))
    return found


def pins(lock: Path, environment: dict[str, str] | None = None) -> dict[str, str]:
    """Name -> version of every line of ``lock`` whose marker holds in ``environment`` (default: this Python)."""
    result = {}
    for requirement in requirements(lock):
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{lock}: {requirement} is not an exact pin"
        result[normalize(requirement.name)] = specifier.version
    return result


def installed_here() -> dict[str, str]:
    """Name -> version of every distribution this interpreter sees."""
    return {normalize(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}


def probe(python: Path) -> tuple[dict[str, str], dict[str, str]]:
    """``python``'s marker environment and its installed distributions (name -> version)."""
    result = subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True, timeout=120, check=True)
    found = json.loads(result.stdout)
    return found["environment"], {normalize(name): version for name, version in found["installed"].items()}


def differences(env: Environment, locked: dict[str, str], installed: dict[str, str]) -> list[str]:
    """One line per distribution where ``installed`` (what ``env`` holds) and ``locked`` disagree."""
    folder, name_of_lock = env.folder, env.lock_path.relative_to(ROOT)
    lines = []
    for name in sorted((set(locked) | set(installed)) - UNLOCKED):
        have, want = installed.get(name), locked.get(name)
        if want is None:
            lines.append(
                f"{name} {have} is installed in {folder} but not in {name_of_lock}: if the project needs it, "
                f"add it to {env.sources} and run {UPDATE_COMMAND} --keep; if not, "
                f"{folder}/bin/python -m pip uninstall {name}"
            )
        elif have is None:
            lines.append(f"{name} {want} ({name_of_lock}) is not installed in {folder}: run bash tools/setup.sh")
        elif Version(have) != Version(want):
            lines.append(f"{name} {have} is installed in {folder}, {name_of_lock} pins {want}: run bash tools/setup.sh")
    return lines
