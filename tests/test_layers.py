"""The package's layers (pyproject.toml, [tool.importlinter]): no import runs up a layer, no cycle."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _support import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import structure

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def test_the_package_has_no_import_cycle() -> None:
    figures = structure.measure(ROOT / "agentsmith")
    assert figures.cycles == [], figures.cycles
    assert figures.deferred == [], "an import inside a function or under TYPE_CHECKING hides a cycle"


@pytest.mark.subprocess
def test_the_layering_contract_holds() -> None:
    run = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


@pytest.mark.subprocess
def test_a_new_cycle_fails_the_contract(tmp_path: Path) -> None:
    # GIVEN a copy of the package in which the bottom layer imports a construct (a cycle through every layer)
    shutil.copytree(ROOT / "agentsmith", tmp_path / "agentsmith", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    seed = tmp_path / "agentsmith" / "core" / "seed.py"
    seed.write_text(seed.read_text(encoding="utf-8") + "\nfrom agentsmith import redis  # noqa\n", encoding="utf-8")
    # WHEN the contract is checked THEN it fails and names the import
    run = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": str(LINT_IMPORTS.parent), "PYTHONPATH": str(tmp_path)},
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "agentsmith.core is not allowed to import agentsmith.redis" in run.stdout
    assert "agentsmith.core.seed -> agentsmith.redis" in run.stdout
