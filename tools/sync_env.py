"""Bring a virtual environment to its lock (testkit/locks.py ENVIRONMENTS); tools/setup.sh runs it on every run.

    .venv/bin/python tools/sync_env.py [--prune] .venv
    .venv/bin/python tools/sync_env.py [--prune] .venv-checkov

A pin missing or at another version: the lock is installed again (what it holds is all it can hold).
`--prune` (setup.sh passes it right after installing a changed lock) also uninstalls what the lock does not
pin: an earlier lock's packages, the setuptools `python -m venv` brings on Python < 3.12. Without it such a
package stays, for tests/test_locks.py to name: one installed by hand is a pin the lock may be missing.
Then `pip check`: a dependency that no lock line brings fails here (the locks are installed with --no-deps).
Exit 1 with one line per problem and what to run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout: testkit

from testkit.locks import ENVIRONMENTS, UNLOCKED, UPDATE_COMMAND, Environment, differences, pins, probe
from testkit.project import ROOT

#: The locked installs read no pip configuration file: tools/setup.sh says why (install_lock).
PIP_ENV = {**os.environ, "PIP_CONFIG_FILE": os.devnull}


def pip(env: Environment, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [str(env.python), "-m", "pip", "--disable-pip-version-check", *args]
    return subprocess.run(argv, env=PIP_ENV, capture_output=True, text=True, check=False)


def only(installed: dict[str, str], locked: dict[str, str]) -> dict[str, str]:
    """What ``installed`` holds of the ``locked`` names (the rest is --prune's, or the tests')."""
    return {name: version for name, version in installed.items() if name in locked}


def main(folder: str, prune: bool) -> int:
    env = ENVIRONMENTS[folder]
    environment, installed = probe(env.python)
    locked = pins(env.lock_path, environment)
    if differences(env, locked, only(installed, locked)):
        result = pip(env, "install", "--quiet", "--require-hashes", "--no-deps", "-r", str(env.lock_path))
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return 1
    stray = sorted(set(installed) - set(locked) - UNLOCKED)
    if prune and stray:
        pip(env, "uninstall", "--yes", "--quiet", *stray).check_returncode()
    _, installed = probe(env.python)
    problems = differences(env, locked, installed if prune else only(installed, locked))
    check = pip(env, "check")
    if check.returncode != 0:
        problems += [
            f"{line.strip()}: no line of {env.lock_path.relative_to(ROOT)} brings it; "
            f"add it to {env.sources} and run {UPDATE_COMMAND} --keep"
            for line in check.stdout.splitlines()
            if line.strip()
        ]
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    prune = "--prune" in args
    folders = [arg for arg in args if arg != "--prune"]
    if len(folders) != 1 or folders[0] not in ENVIRONMENTS:
        sys.exit(f"usage: {sys.argv[0]} [--prune] {{{','.join(ENVIRONMENTS)}}}")
    sys.exit(main(folders[0], prune))
