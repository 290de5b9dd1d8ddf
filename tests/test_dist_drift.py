"""The committed dist/ is exactly what main.py synthesises, and synthesis is deterministic.

dist/ is committed (rendered-manifests pattern) and is the Kustomize base that
k8s/base includes, so a change to the constructs that is not re-synthesised would
deploy stale manifests. On a mismatch the failure shows a unified diff.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

import main

COMMITTED_DIST = Path(main.__file__).resolve().parent / "dist"
REFRESH_HINT = "refresh with: .venv/bin/python main.py"


def _files(folder: Path) -> dict[str, bytes]:
    """Every entry of ``folder`` by name; a subfolder counts as an (unreadable) entry."""
    return {path.name: path.read_bytes() if path.is_file() else b"<folder>\n" for path in sorted(folder.iterdir())}


def folder_diff(expected: Path, actual: Path, *, labels: tuple[str, str] = ("expected", "actual")) -> str:
    """A unified diff from ``expected`` to ``actual`` over file names and contents; "" when byte-identical."""
    old, new = _files(expected), _files(actual)
    chunks: list[str] = []
    for name in sorted(old.keys() | new.keys()):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        lines = difflib.unified_diff(
            (before or b"").decode("utf-8", "replace").splitlines(keepends=True),
            (after or b"").decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=f"{labels[0]}/{name}" if before is not None else "/dev/null",
            tofile=f"{labels[1]}/{name}" if after is not None else "/dev/null",
        )
        text = "".join(line if line.endswith("\n") else f"{line}\n" for line in lines)  # a last line without EOL
        # Bytes can differ while the decoded lines do not (invalid UTF-8).
        chunks.append(text or f"{name}: bytes differ (not valid UTF-8)\n")
    return "".join(chunks)


def test_committed_dist_matches_a_fresh_synth(synth_dir: Path) -> None:
    # GIVEN main.py synthesised into a temporary folder (synth_dir)
    # WHEN it is compared with the committed dist/
    diff = folder_diff(COMMITTED_DIST, synth_dir, labels=("dist", "synthesised"))
    # THEN file names and bytes are identical
    if diff:
        pytest.fail(f"the committed dist/ differs from what main.py synthesises; {REFRESH_HINT}\n{diff}", pytrace=False)


def test_two_synths_are_byte_identical(synth_dir: Path, tmp_path: Path) -> None:
    # GIVEN one synth (synth_dir) WHEN the app synthesises again into another folder
    files = main.synth(tmp_path / "dist")
    # THEN both outputs hold the same files with the same bytes
    assert files == sorted(path.name for path in synth_dir.iterdir())
    diff = folder_diff(synth_dir, tmp_path / "dist", labels=("first", "second"))
    if diff:
        pytest.fail(f"two synths differ: main.py is not deterministic\n{diff}", pytrace=False)


def test_folder_diff_shows_changed_missing_and_extra_files(tmp_path: Path) -> None:
    # GIVEN two folders that differ in one line, one missing file and one extra file
    committed, fresh = tmp_path / "committed", tmp_path / "fresh"
    committed.mkdir()
    fresh.mkdir()
    (committed / "Service.redis.k8s.yaml").write_text("kind: Service\ntype: ClusterIP\n", encoding="utf-8")
    (fresh / "Service.redis.k8s.yaml").write_text("kind: Service\ntype: NodePort\n", encoding="utf-8")
    (committed / "Old.k8s.yaml").write_text("kind: Old\n", encoding="utf-8")
    (fresh / "New.k8s.yaml").write_text("kind: New\n", encoding="utf-8")
    # WHEN they are compared
    diff = folder_diff(committed, fresh, labels=("dist", "synthesised"))
    # THEN the diff names every difference
    assert diff == (
        "--- /dev/null\n+++ synthesised/New.k8s.yaml\n@@ -0,0 +1 @@\n+kind: New\n"
        "--- dist/Old.k8s.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-kind: Old\n"
        "--- dist/Service.redis.k8s.yaml\n+++ synthesised/Service.redis.k8s.yaml\n"
        "@@ -1,2 +1,2 @@\n kind: Service\n-type: ClusterIP\n+type: NodePort\n"
    )


def test_folder_diff_reports_bytes_that_decode_to_the_same_text(tmp_path: Path) -> None:
    # GIVEN two files whose different bytes both decode to U+FFFD (invalid UTF-8)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.yaml").write_bytes(b"\xff\n")
    (tmp_path / "b" / "x.yaml").write_bytes(b"\xfe\n")
    # WHEN compared THEN the difference is still reported, by name
    assert folder_diff(tmp_path / "a", tmp_path / "b") == "x.yaml: bytes differ (not valid UTF-8)\n"
