"""The fast loop starts no process: a test without a process marker that starts one fails.

``conftest.py`` wraps every test's setup, call and teardown in :func:`forbid_processes`
unless the test carries one of :data:`PROCESS_MARKERS`. Inside, the ways Python
starts a process (``subprocess.Popen`` and so ``subprocess.run``, ``os.system``,
``os.popen``, ``os.fork``, ``os.forkpty``, ``os.posix_spawn[p]``) raise
:class:`ProcessStarted`, which names the markers to add. The one process allowed is
jsii's Node.js kernel: ``conftest.py`` imports cdk8s (through ``main``) before any
test runs, so the kernel is already up and jsii only talks to it over pipes.
The background jobs' threads (``_background.py``) start their processes while
in-process tests run; they are not refused: every thread whose name starts with
``_background.THREAD_PREFIX``, so a pool a job starts names its threads with it too
(``tests/test_no_process.py`` checks every pool of the test code).
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from _background import THREAD_PREFIX

#: A test that starts a process carries one of these (pyproject's [tool.pytest.ini_options] markers).
PROCESS_MARKERS = ("runtime", "slow", "pod", "subprocess")

_OS_CALLS = ("system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp")


class ProcessStarted(AssertionError):
    """A test outside the process markers started a process."""


def _refuse(test: str, how: str) -> ProcessStarted:
    return ProcessStarted(
        f"{test} started a process ({how}) but has none of the markers {', '.join(PROCESS_MARKERS)}: "
        "the fast loop (-m 'not runtime and not slow and not pod and not subprocess') starts no process. "
        "Add @pytest.mark.subprocess (a tool such as kubectl, node, git or python), @pytest.mark.runtime "
        "(a server), @pytest.mark.slow (a wheel or a venv) or @pytest.mark.pod (podman), "
        "or keep the work in process."
    )


def _in_background_job() -> bool:
    return threading.current_thread().name.startswith(THREAD_PREFIX)


@contextmanager
def forbid_processes(test: str) -> Iterator[None]:
    """Inside, starting a process raises :class:`ProcessStarted` naming ``test``."""
    saved_popen = subprocess.Popen._execute_child  # type: ignore[attr-defined]
    saved_os = {name: getattr(os, name) for name in _OS_CALLS if hasattr(os, name)}

    def popen_refused(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        if _in_background_job():
            return saved_popen(self, args, *rest, **kwargs)  # type: ignore[no-any-return]
        raise _refuse(test, f"subprocess.Popen({args!r})")

    def os_refused(name: str) -> Any:
        def refused(*args: Any, **kwargs: Any) -> Any:
            if _in_background_job():
                return saved_os[name](*args, **kwargs)
            raise _refuse(test, f"os.{name}{args!r}")

        return refused

    subprocess.Popen._execute_child = popen_refused  # type: ignore[attr-defined]
    for name in saved_os:
        setattr(os, name, os_refused(name))
    try:
        yield
    finally:
        subprocess.Popen._execute_child = saved_popen  # type: ignore[attr-defined]
        for name, call in saved_os.items():
            setattr(os, name, call)
