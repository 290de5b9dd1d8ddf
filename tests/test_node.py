"""Node.js: the project's runs use the LTS pinned in package.json (the npm ``node`` package), no banner to silence.

jsii honours ``JSII_NODE``; main.py and conftest.py default it to
``node_modules/.bin/node`` (``os.environ.setdefault``, so a user's own value wins).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _support import ROOT, require_tool

PROJECT_NODE = ROOT / "node_modules" / ".bin" / "node"
#: Node.js lines jsii 1.x supports today (its NodeRelease table: 22 until 2027-04-30, 24 until 2028-04-30).
SUPPORTED_LTS = (22, 24)


def pinned_version() -> str:
    return str(json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]["node"])


@pytest.fixture(scope="module")
def project_node() -> Path:
    if not PROJECT_NODE.exists():
        require_tool("node_modules/.bin/node", "run `bash tools/setup.sh` (npm ci installs the project's Node.js)")
    return PROJECT_NODE


def failing_node(tmp_path: Path) -> Path:
    """A folder with a ``node`` that fails loudly, to put first on PATH."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "node").write_text("#!/bin/sh\necho 'the PATH node ran' >&2\nexit 3\n", encoding="utf-8")
    (folder / "node").chmod(0o755)
    return folder


def test_a_supported_lts_is_pinned_exactly() -> None:
    version = pinned_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version  # exact, no range
    assert int(version.split(".")[0]) in SUPPORTED_LTS
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/node"]["version"] == version
    assert json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["allowScripts"] == {"node": True}


@pytest.mark.subprocess  # node, python, npx
def test_the_installed_node_is_the_pinned_one(project_node: Path) -> None:
    result = subprocess.run([str(project_node), "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"v{pinned_version()}"


def test_jsii_in_this_test_session_runs_on_the_project_node(project_node: Path) -> None:
    import cdk8s  # the jsii kernel (node) is running once cdk8s is imported

    assert cdk8s.App is not None
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == os.getpid():
                children.append(os.readlink(stat.parent / "exe"))
        except (OSError, IndexError, ValueError):
            continue  # a process that ended meanwhile
    assert str(project_node.resolve()) in children, children


@pytest.mark.subprocess  # node, python, npx
def test_main_py_uses_the_project_node_without_any_setting(project_node: Path, tmp_path: Path) -> None:
    # GIVEN no JSII_NODE and a PATH whose first `node` fails
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_")}
    env["PATH"] = f"{failing_node(tmp_path)}{os.pathsep}{env['PATH']}"
    # WHEN the app runs as a user runs it
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--outdir", str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    # THEN it synthesised on node_modules/.bin/node, with nothing on stderr (no end-of-life banner)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert result.stdout.startswith("synthesised 6 files into ")


@pytest.mark.subprocess  # node, python, npx
def test_a_users_jsii_node_wins(tmp_path: Path) -> None:
    env = {**os.environ, "JSII_NODE": str(failing_node(tmp_path) / "node"), "AGENTSMITH_DEBUG": ""}
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--outdir", str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert "the PATH node ran" in result.stderr


@pytest.mark.subprocess  # node, python, npx
def test_npx_runs_cdk8s_cli_on_the_project_node(project_node: Path) -> None:
    # `npx cdk8s synth` (README) puts node_modules/.bin first on PATH, so cdk8s-cli runs on the pinned node
    npx = require_tool("npx", "apt-get install npm")
    result = subprocess.run(
        [npx, "--no-install", "node", "--version"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == f"v{pinned_version()}"
