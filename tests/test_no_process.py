"""tests/_no_process.py: in the fast loop, starting a process fails and names the markers to add."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from _no_process import PROCESS_MARKERS, ProcessStarted, forbid_processes


def test_every_way_of_starting_a_process_is_refused_with_the_markers_named() -> None:
    with forbid_processes("tests/test_x.py::test_y"):
        for start in (
            lambda: subprocess.run([sys.executable, "-c", "pass"], check=False),
            lambda: os.system("true"),
            lambda: os.posix_spawn(sys.executable, [sys.executable, "-c", "pass"], os.environ),
            os.fork,
        ):
            with pytest.raises(ProcessStarted) as refused:
                start()
            assert str(refused.value).startswith("tests/test_x.py::test_y started a process (")
            assert all(f"@pytest.mark.{marker}" in str(refused.value) for marker in PROCESS_MARKERS)


def test_the_calls_are_restored_afterwards() -> None:
    saved = (subprocess.Popen._execute_child, os.fork, os.system)  # type: ignore[attr-defined]
    with forbid_processes("t"):
        assert os.fork is not saved[1]
    assert (subprocess.Popen._execute_child, os.fork, os.system) == saved  # type: ignore[attr-defined]


def test_every_thread_pool_of_the_test_code_is_named_as_a_background_job() -> None:
    # A job's own pool (the installed-wheel job runs three venvs at once) starts processes while in-process
    # tests run: unless its threads carry THREAD_PREFIX, the guard refuses them (and fails that test).
    from _support import ROOT

    pools = []
    # The jobs' code (tests/_*.py, testkit/); a marked test's own pools run with no guard.
    for path in sorted([*(ROOT / "tests").glob("_*.py"), *(ROOT / "testkit").glob("*.py")]):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "ThreadPoolExecutor(" in line and "import" not in line:
                pools.append((path.name, number, "thread_name_prefix=" in line and "THREAD_PREFIX" in line))
    assert len(pools) >= 2, pools  # _background.py's and _installed.py's
    assert [pool for pool in pools if not pool[2]] == []


@pytest.mark.subprocess
def test_a_background_job_thread_may_start_a_process() -> None:
    import threading

    from _background import THREAD_PREFIX

    codes: list[int] = []
    with forbid_processes("t"):
        job = threading.Thread(
            target=lambda: codes.append(subprocess.run([sys.executable, "-c", "pass"], check=False).returncode),
            name=f"{THREAD_PREFIX}-check",
        )
        job.start()
        job.join(timeout=60)
    assert codes == [0]


def test_background_jobs_start_with_the_sessions_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # An in-process test's setenv (here the variable cdk8s reads its output folder from) must not reach the
    # processes a background job starts meanwhile: the installed-wheel job's example once wrote its manifests there.
    from _background import JOB_ENV
    from _installed import clean_env

    monkeypatch.setenv("CDK8S_OUTDIR", "/elsewhere")
    assert clean_env().get("CDK8S_OUTDIR") == JOB_ENV.get("CDK8S_OUTDIR")
    assert JOB_ENV.get("CDK8S_OUTDIR") != "/elsewhere"
