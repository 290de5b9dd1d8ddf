"""The release command (DEVELOPMENT.md, "Releasing"): sdist and wheel from the tracked files, checked by twine."""

from __future__ import annotations

import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from _support import ROOT

pytestmark = pytest.mark.slow


def test_release_command_builds_and_checks_both_artifacts(tmp_path: Path) -> None:
    # GIVEN an empty output folder WHEN the documented release command runs
    out = tmp_path / "release"
    result = subprocess.run(
        ["bash", "tools/release.sh", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    # THEN it exits 0, twine passed both, and the sdist and the wheel carry the license
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "agentsmith_infra-0.1.0-py3-none-any.whl",
        "agentsmith_infra-0.1.0.tar.gz",
    ]
    assert result.stdout.count("PASSED") == 2, result.stdout
    with tarfile.open(out / "agentsmith_infra-0.1.0.tar.gz") as sdist:
        names = sdist.getnames()
    for name in ("LICENSE", "CHANGELOG.md", "PACKAGE.md", "pyproject.toml", "agentsmith/py.typed"):
        assert f"agentsmith_infra-0.1.0/{name}" in names, name
    assert not [n for n in names if "/tests/" in n or "/testkit/" in n or "/dist/" in n]
    with zipfile.ZipFile(out / "agentsmith_infra-0.1.0-py3-none-any.whl") as wheel:
        assert "agentsmith_infra-0.1.0.dist-info/licenses/LICENSE" in wheel.namelist()
    # AND nothing was written to the repository
    status = subprocess.run(["git", "status", "--porcelain", "--ignored", "release"], cwd=ROOT, capture_output=True)
    assert status.stdout == b""


def test_release_command_refuses_a_folder_with_old_artifacts(tmp_path: Path) -> None:
    (tmp_path / "agentsmith_infra-0.0.9-py3-none-any.whl").write_bytes(b"old")
    result = subprocess.run(
        ["bash", "tools/release.sh", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {tmp_path} is not empty")
