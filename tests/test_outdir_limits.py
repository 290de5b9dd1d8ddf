"""Output folders at the file-name limit, and file-system errors that name the path (main.py, outdir.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import main
from outdir import NAME_MAX, staging_stem


@pytest.mark.parametrize("length", [200, 245, 246, 250, NAME_MAX])
def test_outdir_names_up_to_the_file_name_limit_synthesise(tmp_path: Path, length: int) -> None:
    # GIVEN an --outdir whose last part is up to 255 characters long (the staging folder used to be 10 longer)
    target = tmp_path / ("d" * length)
    # WHEN synthesised THEN it works and no staging folder is left behind
    assert main.main(["--outdir", str(target)]) == 0
    assert (target / "kustomization.yaml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_staging_stem_fits_the_limit_in_bytes(tmp_path: Path) -> None:
    assert staging_stem(tmp_path, "dist") == "dist"
    stem = staging_stem(tmp_path, "é" * 200)  # 400 bytes in UTF-8
    assert len(os.fsencode(f".{stem}-abcdefgh")) <= NAME_MAX


def test_node_file_system_errors_name_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN Node.js runs out of space while cdk8s writes a manifest (it names no path)
    def full(folder: Path) -> None:
        raise RuntimeError("Error: ENOSPC: no space left on device, write")

    monkeypatch.setattr(main, "_write", full)
    target = tmp_path / "out"
    # WHEN synthesised THEN one line names the output folder, the reason and the code
    assert main.main(["--outdir", str(target)]) == 1
    assert capsys.readouterr().err.strip() == f"error: cannot write {target}: no space left on device (ENOSPC)"


def test_node_errors_with_a_path_keep_it() -> None:
    message = "EACCES: permission denied, open '/srv/out/Deployment.redis.k8s.yaml'"
    assert main.node_fs_error(message, Path("/srv/out")) == (
        "cannot write /srv/out/Deployment.redis.k8s.yaml: permission denied (EACCES)"
    )
    assert main.node_fs_error("something else", Path("/srv/out")) is None
