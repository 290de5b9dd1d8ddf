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
