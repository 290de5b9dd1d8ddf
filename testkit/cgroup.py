"""A real memory and CPU limit for a redis-server on the host: cgroup v1, as the pod's container has.

:func:`limited` makes ``/sys/fs/cgroup/memory/<name>`` (and ``cpu/<name>``) with the
container's ``limits`` (memory in bytes, swap off where the kernel has ``memsw``; CPU as a
CFS quota) and yields a :class:`Limit` whose ``prefix`` puts the command that follows into
both groups before it ``exec``\\ s, so the server's own PID is charged from its first byte.
When the server passes the memory limit the kernel OOM-kills it (SIGKILL, ``oom_kill`` in
``memory.oom_control``), as the kubelet's container runtime would. The groups are removed
at the end.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path("/sys/fs/cgroup")
HINT = "needs root and the cgroup v1 memory and cpu controllers mounted at /sys/fs/cgroup/memory and /sys/fs/cgroup/cpu"


@dataclass(frozen=True)
class Limit:
    """A memory (and CPU) cgroup made by :func:`limited`."""

    memory: Path
    cpu: Path
    limit_bytes: int

    @property
    def prefix(self) -> list[str]:
        """``sh -c 'echo $$ > …/cgroup.procs; …; exec "$@"' sh``: run the rest inside the groups."""
        script = f'echo $$ > {self.memory}/cgroup.procs && echo $$ > {self.cpu}/cgroup.procs && exec "$@"'
        return ["sh", "-c", script, "sh"]

    def peak(self) -> int:
        """The most memory ever charged to the group, in bytes (``memory.max_usage_in_bytes``)."""
        return int((self.memory / "memory.max_usage_in_bytes").read_text())

    def oom_kills(self) -> int:
        """How many processes the kernel OOM-killed in the group."""
        for line in (self.memory / "memory.oom_control").read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0


def available() -> str | None:
    """None when this process can make v1 memory and cpu groups, else why not."""
    if os.geteuid() != 0:
        return "not root"
    for controller in ("memory", "cpu"):
        if not (ROOT / controller / "cgroup.procs").exists():
            return f"no cgroup v1 {controller} controller at {ROOT / controller}"
    return None


def require() -> None:
    """Skip (fail under CI=true) with an install hint when memory groups cannot be made here."""
    reason = available()
    if reason is None:
        return
    message = f"a real memory limit {HINT} ({reason})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _write(path: Path, value: int) -> None:
    path.write_text(str(value))


@contextlib.contextmanager
def limited(memory_bytes: int, cpu_millis: int | None = None) -> Iterator[Limit]:
    """Memory (and CPU) groups with these limits; removed when the block ends (processes gone first)."""
    name = f"agentsmith-test-{uuid.uuid4().hex[:12]}"
    memory, cpu = ROOT / "memory" / name, ROOT / "cpu" / name
    memory.mkdir()
    cpu.mkdir()
    try:
        _write(memory / "memory.limit_in_bytes", memory_bytes)
        memsw = memory / "memory.memsw.limit_in_bytes"
        if memsw.exists():
            _write(memsw, memory_bytes)  # no swap: the pod has none
        _write(memory / "memory.swappiness", 0)
        if cpu_millis is not None:
            _write(cpu / "cpu.cfs_period_us", 100_000)
            _write(cpu / "cpu.cfs_quota_us", cpu_millis * 100)
        yield Limit(memory, cpu, memory_bytes)
    finally:
        for group in (memory, cpu):
            with contextlib.suppress(OSError):
                group.rmdir()


def cpu_stat(limit: Limit) -> dict[str, int]:
    """The cpu group's ``cpu.stat``: ``nr_periods`` and ``nr_throttled`` (CFS periods), ``throttled_time`` (ns)."""
    lines = (limit.cpu / "cpu.stat").read_text().splitlines()
    return {key: int(value) for key, value in (line.split() for line in lines)}
