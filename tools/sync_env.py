"""Bring a virtual environment to exactly its lock: uninstall what the lock does not pin, then check the rest.

    .venv/bin/python tools/sync_env.py .venv            # tools/setup.sh runs it after installing a lock
    .venv/bin/python tools/sync_env.py .venv-checkov

`pip install --require-hashes -r LOCK` adds and replaces but never removes: a package a previous lock had,
one installed by hand, or setuptools that `python -m venv` brings on Python < 3.12 would stay. Exit 0 when
the environment equals its lock (testkit/locks.py ENVIRONMENTS); otherwise exit 1, one line per difference.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout: testkit

from testkit.locks import ENVIRONMENTS, UNLOCKED, differences, pins, probe


def main(folder: str) -> int:
    env = ENVIRONMENTS[folder]
    environment, installed = probe(env.python)
    locked = pins(env.lock_path, environment)
    stray = sorted(set(installed) - set(locked) - UNLOCKED)
    if stray:
        subprocess.run([str(env.python), "-m", "pip", "uninstall", "--yes", "--quiet", *stray], check=True)
        _, installed = probe(env.python)
    problems = differences(env.folder, env.lock_path, locked, installed)
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ENVIRONMENTS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(ENVIRONMENTS)}}}")
    sys.exit(main(sys.argv[1]))
