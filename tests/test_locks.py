"""Every Python environment holds exactly its lock, and each lock satisfies what the project asks for.

A package installed that no lock pins fails here the day it appears, not the day a registry publishes a
release of it. The locks change only through ``bash tools/update-locks.sh`` (DEVELOPMENT.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from _installed import CONSUMERS_LOCK, NEWEST_PLUS
from _support import ROOT
from packaging.requirements import Requirement

from testkit.locks import (
    ENVIRONMENTS,
    LOCKS,
    UPDATE_COMMAND,
    differences,
    installed_here,
    normalize,
    pins,
    probe,
    requirements,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def missing_environment(folder: str) -> None:
    """Skip (fail under CI=true) when the environment is not there to check."""
    message = f"{folder} is not set up: run bash tools/setup.sh"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def test_venv_holds_exactly_its_lock() -> None:
    # GIVEN the tests run in .venv (tools/test.sh runs .venv/bin/python -m pytest), read in process
    env = ENVIRONMENTS[".venv"]
    if Path(sys.prefix).resolve() != (ROOT / env.folder).resolve():
        missing_environment(f"{env.folder} (the tests run in {sys.prefix})")
    # THEN every installed distribution is in dev.lock at its version, and every pin that applies is installed
    problems = differences(env, pins(env.lock_path), installed_here())
    assert not problems, "\n".join(problems)


@pytest.mark.subprocess
def test_checkov_environment_holds_exactly_its_lock() -> None:
    env = ENVIRONMENTS[".venv-checkov"]
    if not env.python.is_file():
        missing_environment(env.folder)
    environment, installed = probe(env.python)
    problems = differences(env, pins(env.lock_path, environment), installed)
    assert not problems, "\n".join(problems)


def test_a_package_installed_by_hand_is_named_with_the_fix() -> None:
    # GIVEN an environment with a package no lock pins, one at another version and one missing
    locked = {"pytest": "9.2.0", "ruff": "0.17.6"}
    installed = {"pytest": "9.1.0", "six": "1.17.0", "agentsmith-infra": "0.1.0"}
    # THEN each is one line naming what to run; the editable package itself is no difference
    assert differences(ENVIRONMENTS[".venv"], locked, installed) == [
        "pytest 9.1.0 is installed in .venv, requirements/dev.lock pins 9.2.0: run bash tools/setup.sh",
        "ruff 0.17.6 (requirements/dev.lock) is not installed in .venv: run bash tools/setup.sh",
        "six 1.17.0 is installed in .venv but not in requirements/dev.lock: if the project needs it, add it to "
        f"requirements/dev.in or pyproject.toml and run {UPDATE_COMMAND} --keep; "
        "if not, .venv/bin/python -m pip uninstall six",
    ]


def project_requirements(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *(r for extra in extras for r in project["optional-dependencies"][extra])]
    return [Requirement(line) for line in wanted]


#: Each lock and what it is compiled from (tools/update-locks.sh).
INPUTS = {
    "dev.lock": lambda: [*project_requirements("test", "plus27"), *requirements(LOCKS / "dev.in")],
    "consumers.lock": lambda: [*project_requirements(), *requirements(LOCKS / "consumers.in")],
    "checkov.lock": lambda: requirements(LOCKS / "checkov.in"),
}


@pytest.mark.parametrize("lock", INPUTS)
def test_each_lock_satisfies_its_inputs(lock: str) -> None:
    # GIVEN what pyproject.toml and requirements/*.in ask for (a requirement added without relocking)
    locked = pins(LOCKS / lock)
    unmet = []
    for requirement in INPUTS[lock]():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version = locked.get(normalize(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            unmet.append(f"{requirement} (lock: {version or 'none'})")
    # THEN the lock pins each at a version in its range
    assert not unmet, f"requirements/{lock} does not satisfy {unmet}: run {UPDATE_COMMAND} --keep"


def test_the_newest_cdk8s_plus_line_is_locked() -> None:
    assert normalize(NEWEST_PLUS) in pins(CONSUMERS_LOCK), f"add {NEWEST_PLUS} to requirements/consumers.in"
