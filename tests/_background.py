"""Slow subprocess-only work started early, so that it overlaps with the in-process tests.

A fresh virtual environment with the built wheel and a checkov scan each take
seconds of mostly waiting on other processes. ``conftest.py`` starts them when
collection ends (only if a collected test needs them) and their fixtures wait
for the result. Jobs run in threads and only start processes and read or
write files: they never touch jsii, whose Python client is not thread-safe.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import MappingProxyType
from typing import Any

Job = Callable[[Path], Any]
#: Names of the jobs' threads (``_no_process.py`` lets them start processes during in-process tests).
THREAD_PREFIX = "test-job"
#: The environment as it was when the test session started (``conftest.py`` imports this module before any test
#: runs): every job starts its processes with it, never with ``os.environ``, which in-process tests change while the
#: jobs run (``monkeypatch.setenv("CDK8S_OUTDIR", ...)`` made an app of the installed-wheel job write elsewhere).
JOB_ENV = MappingProxyType(dict(os.environ))


class Jobs:
    """Named background jobs, each run at most once per test session in its own folder."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix=THREAD_PREFIX)
        self._futures: dict[str, Future[Any]] = {}
        self._root: Path | None = None

    def start(self, name: str, job: Job) -> None:
        if name in self._futures:
            return
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="agentsmith-tests-"))
        folder = self._root / name
        folder.mkdir()
        self._futures[name] = self._pool.submit(job, folder)

    def result(self, name: str, job: Job) -> Any:
        """The job's result, starting it now if collection did not."""
        self.start(name, job)
        return self._futures[name].result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
