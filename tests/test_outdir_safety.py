"""main.py replaces an output folder only if it is missing, empty or a previous synth, and in one step."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from _support import ROOT, assert_config_error

import main
import outdir as _outdir


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder`` (hidden ones too), files by bytes, links by target."""
    result: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            result[key] = f"-> {os.readlink(path)}"
        elif path.is_file():
            result[key] = path.read_bytes()
        else:
            result[key] = "<folder>"
    return result


def clone_like(folder: Path) -> None:
    (folder / ".git").mkdir(parents=True)
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (folder / "README.md").write_text("# my project\n", encoding="utf-8")


def hand_written_kustomization(folder: Path) -> None:
    folder.mkdir()
    (folder / "kustomization.yaml").write_text("resources:\n  - ../../dist\n", encoding="utf-8")


def synth_plus_a_note(folder: Path) -> None:
    shutil.copytree(ROOT / "dist", folder)
    (folder / "notes.md").write_text("mine\n", encoding="utf-8")


def synth_plus_a_folder(folder: Path) -> None:
    shutil.copytree(ROOT / "dist", folder)
    (folder / "Service.redis.k8s.yaml").unlink()
    (folder / "Service.redis.k8s.yaml").mkdir()  # listed, but a folder: could hold anything


def synth_with_a_symlinked_file(folder: Path) -> None:
    shutil.copytree(ROOT / "dist", folder)
    (folder / "Service.redis.k8s.yaml").unlink()
    (folder / "Service.redis.k8s.yaml").symlink_to(ROOT / "README.md")


def a_plain_file(folder: Path) -> None:
    folder.write_text("not a folder\n", encoding="utf-8")


def binary_kustomization(folder: Path) -> None:
    folder.mkdir()
    (folder / "kustomization.yaml").write_bytes(b"\xff\xfe")


REFUSED: dict[str, tuple[Callable[[Path], None], str]] = {
    "a clone's root": (clone_like, "holds '.git', 'README.md', which no synth wrote"),
    "k8s/base": (hand_written_kustomization, "holds 'kustomization.yaml', which no synth wrote"),
    "dist plus a note": (synth_plus_a_note, "holds 'notes.md', which no synth wrote"),
    "dist with a folder": (synth_plus_a_folder, "holds 'Service.redis.k8s.yaml', which no synth wrote"),
    "dist with a symlink": (synth_with_a_symlinked_file, "holds 'Service.redis.k8s.yaml', which no synth wrote"),
    "a file": (a_plain_file, "is not a folder"),
    "binary kustomization": (binary_kustomization, "holds 'kustomization.yaml', which no synth wrote"),
}


@pytest.mark.parametrize("make", REFUSED.values(), ids=REFUSED.keys())
def test_refuses_what_is_not_a_synth_output(
    make: tuple[Callable[[Path], None], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a folder (or file) that holds something a synth did not write
    target = tmp_path / "target"
    make[0](target)
    before = tree(tmp_path)
    # WHEN main.py is pointed at it
    code = main.main(["--outdir", str(target)])
    # THEN exit 1, one line naming the setting, the value and the fix; nothing touched
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert err.startswith(f"error: '--outdir' {make[1]}"), err
    assert f"(got '{target}')" in err
    assert "Pass a " in err
    assert tree(tmp_path) == before


def test_more_than_three_foreign_entries_are_counted(tmp_path: Path) -> None:
    for name in ("a", "b", "c", "d", "e"):
        (tmp_path / name).touch()
    assert_config_error(
        lambda: _outdir.check_target(tmp_path, source="--outdir"),
        match=r"holds 'a', 'b', 'c' and 2 more, which no synth wrote",
    )


@pytest.mark.subprocess  # python
def test_the_current_folder_is_refused_as_a_process(tmp_path: Path) -> None:
    # The case: `python main.py --outdir .` inside a clone emptied it, .git included.
    clone_like(tmp_path)
    before = tree(tmp_path)
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--outdir", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "AGENTSMITH_DEBUG": ""},
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: '--outdir' holds '.git', 'README.md', which no synth wrote")
    assert result.stderr.count("\n") == 1
    assert tree(tmp_path) == before


def test_cdk8s_outdir_is_checked_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clone_like(tmp_path)
    before = tree(tmp_path)
    monkeypatch.setenv("CDK8S_OUTDIR", str(tmp_path))
    assert main.main([]) == 1
    assert capsys.readouterr().err.startswith("error: 'CDK8S_OUTDIR' holds '.git', 'README.md'")
    assert tree(tmp_path) == before


def test_outdir_beats_cdk8s_outdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synth_dir: Path) -> None:
    monkeypatch.setenv("CDK8S_OUTDIR", str(tmp_path / "env"))
    assert main.main(["--outdir", str(tmp_path / "arg")]) == 0
    assert tree(tmp_path / "arg") == tree(synth_dir)
    assert not (tmp_path / "env").exists()


def test_cdk8s_cli_mode_copies_into_the_scratch_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synth_dir: Path
) -> None:
    # GIVEN the CLI's scratch folder in CDK8S_OUTDIR WHEN main.py runs with --cdk8s-cli
    monkeypatch.setenv("CDK8S_OUTDIR", str(tmp_path / "scratch"))
    assert main.main(["--outdir", str(tmp_path / "dist"), "--cdk8s-cli", str(tmp_path / "scratch")]) == 0
    # THEN dist/ and the scratch folder both hold the synth
    assert tree(tmp_path / "dist") == tree(synth_dir) == tree(tmp_path / "scratch")


def test_cdk8s_cli_with_another_output_writes_only_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synth_dir: Path
) -> None:
    # GIVEN `cdk8s synth -o X` or `--stdout`: CDK8S_OUTDIR is not cdk8s.yaml's scratch folder
    committed = tree(ROOT / "dist")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDK8S_OUTDIR", "elsewhere")
    # WHEN main.py runs as cdk8s.yaml starts it
    assert main.main(["--cdk8s-cli", ".cdk8s-cli.out"]) == 0
    # THEN only that folder is written: dist/ and the scratch folder are not touched
    assert tree(tmp_path / "elsewhere") == tree(synth_dir)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["elsewhere"]
    assert tree(ROOT / "dist") == committed


def test_cdk8s_cli_mode_checks_the_scratch_folder_before_replacing_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clone_like(tmp_path / "scratch")
    shutil.copytree(ROOT / "dist", tmp_path / "dist")
    (tmp_path / "dist" / "Service.redis.k8s.yaml").write_text("old\n", encoding="utf-8")
    before = tree(tmp_path)
    monkeypatch.setenv("CDK8S_OUTDIR", str(tmp_path / "scratch"))
    assert main.main(["--outdir", str(tmp_path / "dist"), "--cdk8s-cli", str(tmp_path / "scratch")]) == 1
    assert capsys.readouterr().err.startswith("error: 'CDK8S_OUTDIR' holds '.git', 'README.md'")
    assert tree(tmp_path) == before


def committed_dist(target: Path) -> None:
    shutil.copytree(ROOT / "dist", target)


def a_synth_missing_a_file(target: Path) -> None:
    shutil.copytree(ROOT / "dist", target)
    (target / "Deployment.redis.k8s.yaml").unlink()


ACCEPTED: dict[str, Callable[[Path], None]] = {
    "missing, with missing parents": lambda target: None,
    "empty": lambda target: target.mkdir(parents=True),
    "the committed dist/": committed_dist,
    "a previous synth missing a file": a_synth_missing_a_file,
}


@pytest.mark.parametrize("make", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_replaces_missing_empty_and_previous_outputs(
    make: Callable[[Path], None], tmp_path: Path, synth_dir: Path
) -> None:
    target = tmp_path / "a" / "b" / "dist"
    make(target)
    assert main.main(["--outdir", str(target)]) == 0
    assert tree(target) == tree(synth_dir)
    assert sorted(path.name for path in target.parent.iterdir()) == ["dist"], "no staging folder left"


def test_a_symlinked_outdir_stays_a_symlink(tmp_path: Path, synth_dir: Path) -> None:
    shutil.copytree(ROOT / "dist", tmp_path / "real")
    (tmp_path / "real" / "Service.redis.k8s.yaml").write_text("old\n", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert main.main(["--outdir", str(tmp_path / "link")]) == 0
    assert (tmp_path / "link").is_symlink()
    assert tree(tmp_path / "real") == tree(synth_dir)


def test_an_os_error_is_one_line_without_errno(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x\n", encoding="utf-8")
    assert main.main(["--outdir", str(tmp_path / "file" / "dist")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot write {tmp_path / 'file'}: ")
    assert "Errno" not in err
    assert err.count("\n") == 1


def test_the_target_is_checked_again_right_before_the_swap(tmp_path: Path) -> None:
    # GIVEN a previous output WHEN someone adds a file to it while the app synthesises
    target = tmp_path / "dist"
    shutil.copytree(ROOT / "dist", target)

    def write(folder: Path) -> None:
        folder.mkdir()
        (folder / "kustomization.yaml").write_text(_outdir.MARKER + "\n", encoding="utf-8")
        (target / "added-meanwhile.txt").write_text("mine\n", encoding="utf-8")

    before_names = sorted(path.name for path in target.iterdir())
    # THEN the swap is refused, the folder keeps the added file, and no staging folder is left
    assert_config_error(
        lambda: _outdir.publish(target, write, source="--outdir"), match=r"'added-meanwhile\.txt', which no synth wrote"
    )
    assert sorted(path.name for path in target.iterdir()) == sorted([*before_names, "added-meanwhile.txt"])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dist"]


@pytest.mark.parametrize("exists", [True, False], ids=["replace", "create"])
def test_without_renameat2_two_renames_do_the_same(
    exists: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synth_dir: Path
) -> None:
    monkeypatch.setattr(_outdir, "_renameat2", lambda source, target, flags: False)
    target = tmp_path / "dist"
    if exists:
        shutil.copytree(ROOT / "dist", target)
        (target / "Service.redis.k8s.yaml").write_text("old\n", encoding="utf-8")
    assert main.main(["--outdir", str(target)]) == 0
    assert tree(target) == tree(synth_dir)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dist"]


def test_renameat2_exchange_swaps_two_folders(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "from-a").touch()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "from-b").touch()
    assert _outdir._renameat2(tmp_path / "a", tmp_path / "b", 2)  # RENAME_EXCHANGE on this Linux
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["from-b"]
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["from-a"]
    with pytest.raises(FileExistsError):  # RENAME_NOREPLACE never replaces
        _outdir._renameat2(tmp_path / "a", tmp_path / "b", 1)


def test_stale_staging_folders_go_and_everything_else_stays(tmp_path: Path) -> None:
    # GIVEN what killed runs leave (a marked and an empty staging folder), a live run's staging
    # folder (locked), and a user's folders that look alike
    dead = tmp_path / ".dist-abcd1234"
    (dead / "new").mkdir(parents=True)
    (dead / _outdir.STAGING_MARKER).touch()
    empty = tmp_path / ".dist-0123abcd"
    empty.mkdir()
    live = tmp_path / ".dist-live0000"
    live.mkdir()
    (live / _outdir.STAGING_MARKER).touch()
    users = [tmp_path / ".dist-backup", tmp_path / ".dist-abcd9999", tmp_path / ".other-abcd1234"]
    for folder in users:
        folder.mkdir()
        (folder / "mine.txt").write_text("keep\n", encoding="utf-8")
    fd = os.open(live, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        # WHEN a run starts in the same parent folder
        _outdir.publish(tmp_path / "dist", lambda folder: folder.mkdir(), source="--outdir")
    finally:
        os.close(fd)
    # THEN only the dead ones are gone
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        ["dist", ".dist-live0000", ".dist-backup", ".dist-abcd9999", ".other-abcd1234"]
    )
    assert all((folder / "mine.txt").read_text(encoding="utf-8") == "keep\n" for folder in users)


@pytest.mark.parametrize("step", _outdir.PAUSE_STEPS)
def test_pause_hook_is_silent_unless_asked(
    step: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AGENTSMITH_TEST_PAUSE", "other")
    _outdir.pause(step)
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("AGENTSMITH_TEST_PAUSE", f"x,{step}")
    monkeypatch.setenv("AGENTSMITH_TEST_PAUSE_SECONDS", "0")
    _outdir.pause(step)
    assert capsys.readouterr().err == f"agentsmith-test-pause {step} pid={os.getpid()}\n"


def test_a_huge_kustomization_is_judged_by_its_first_line(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_bytes(b"x" * 1_000_000)
    assert _outdir.foreign_entries(tmp_path) == ["kustomization.yaml"]
    (tmp_path / "kustomization.yaml").write_bytes(_outdir.MARKER.encode() + b"\r\nresources:\n  - a.k8s.yaml\n")
    (tmp_path / "a.k8s.yaml").touch()
    assert _outdir.foreign_entries(tmp_path) == []


def test_a_half_removed_staging_folder_is_still_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a staging folder WHEN its removal is interrupted (Ctrl-C while removing new/)
    staging = tmp_path / ".dist-half0000"
    (staging / "new").mkdir(parents=True)
    (staging / "new" / "a.k8s.yaml").touch()
    (staging / _outdir.STAGING_MARKER).touch()

    def interrupted(path: object, *args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(shutil, "rmtree", interrupted)
        with pytest.raises(KeyboardInterrupt):
            _outdir._remove_staging(staging)
    # THEN the marker is still there (it goes last), so the next run knows the folder is stale
    assert (staging / _outdir.STAGING_MARKER).is_file()
    assert _outdir._is_stale_staging(staging, "dist")
    _outdir._remove_staging(staging)
    assert not staging.exists()


def test_main_runs_outside_the_main_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # signal handlers can only be set on the main thread: main() must not fail elsewhere
    import threading

    monkeypatch.setattr(main, "synth", lambda outdir, **kwargs: ["kustomization.yaml"])
    results: list[int] = []
    thread = threading.Thread(target=lambda: results.append(main.main(["--outdir", str(tmp_path / "d")])))
    thread.start()
    thread.join()
    assert results == [0]
