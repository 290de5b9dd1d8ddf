"""Kill trials: `python main.py` and `cdk8s synth` signalled at many points; did dist/ survive?

Subprocesses and files only (it runs as a background job, see tests/_background.py,
and from tools/kill_trials.py). A project is a copy of main.py and cdk8s.yaml;
agentsmith comes from the environment. Every trial switches the bus setting
(in-cluster <-> managed, whose outputs differ in files and bytes), starts one
entry point in its own process group and signals it:

* at each step of the test hook (``AGENTSMITH_TEST_PAUSE``, see outdir.py),
  the app's own pid, with SIGINT, SIGTERM and SIGKILL: exact points, no timing;
* after seeded random delays over a clean run's duration, alternately the
  whole process group (as Ctrl-C or ``kill -- -PGID`` would) and the python
  app alone (found in /proc; the group if it has not started yet): everything
  in between.

Outcome per trial: ``old`` (dist/ as before), ``new`` (the complete new
output), ``lost`` (no dist/) or ``corrupted`` (anything else).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from testkit.project import APP_FILES, IN_CLUSTER_BUS, ROOT, bus_line

CLI = ROOT / "node_modules" / ".bin" / "cdk8s"
ENTRIES = ("main.py", "cdk8s synth")
STEPS = ("staged", "written", "locked", "swapped")
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)
IN_CLUSTER = IN_CLUSTER_BUS
MANAGED = bus_line("rediss://cache.example.com:6380")
BAD = bus_line("http://cache.example.com")
PAUSE_LINE = re.compile(r"agentsmith-test-pause (\w+) pid=(\d+)")


@dataclass(frozen=True)
class Trial:
    entry: str
    how: str
    outcome: str  # old | new | lost | corrupted
    returncode: int | None
    stderr: str


@dataclass
class Trials:
    trials: list[Trial] = field(default_factory=list)
    leftovers_after_clean_run: list[str] = field(default_factory=list)

    def count(self, entry: str, *outcomes: str) -> int:
        return sum(1 for trial in self.trials if trial.entry == entry and trial.outcome in outcomes)

    def summary(self) -> str:
        return "; ".join(
            f"{entry}: {self.count(entry, 'old', 'new', 'lost', 'corrupted')} trials, "
            f"{self.count(entry, 'lost', 'corrupted')} lost or corrupted dist/ "
            f"(old {self.count(entry, 'old')}, new {self.count(entry, 'new')})"
            for entry in ENTRIES
        )


def snapshot(folder: Path) -> dict[str, bytes] | None:
    if not folder.is_dir():
        return None
    return {path.name: path.read_bytes() if path.is_file() else b"<folder>" for path in sorted(folder.iterdir())}


def _env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    for name in ("AGENTSMITH_TEST_PAUSE", "CDK8S_OUTDIR", "AGENTSMITH_DEBUG"):
        env.pop(name, None)
    return {**env, **extra}


class Project:
    """main.py and cdk8s.yaml copied into ``folder``, with the bus setting switchable."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True)
        for name in APP_FILES:
            (folder / name).write_bytes((ROOT / name).read_bytes())
        self.text = (folder / "main.py").read_text(encoding="utf-8")
        assert self.text.count(IN_CLUSTER) == 1, "main.py no longer has the one-line bus setting"
        self.dist = folder / "dist"
        self.outputs: dict[str, dict[str, bytes]] = {}
        self.durations: dict[str, float] = {}
        runs = ((MANAGED, "cdk8s synth"), (IN_CLUSTER, "cdk8s synth"), (MANAGED, "main.py"), (IN_CLUSTER, "main.py"))
        for bus, entry in runs:  # ends with in-cluster in dist/
            self.set_bus(bus)
            started = time.monotonic()
            result = subprocess.run(self.command(entry), cwd=folder, env=_env(), capture_output=True, timeout=300)
            self.durations[entry] = max(self.durations.get(entry, 0.0), time.monotonic() - started)
            assert result.returncode == 0, result.stderr.decode()
            output = snapshot(self.dist)
            assert output, "a clean synth wrote no dist/"
            assert self.outputs.setdefault(bus, output) == output, "two clean synths differ"
            self.outputs[bus] = output

    def set_bus(self, bus: str) -> None:
        (self.folder / "main.py").write_text(self.text.replace(IN_CLUSTER, bus), encoding="utf-8")

    def command(self, entry: str) -> list[str]:
        if entry == "main.py":
            return [sys.executable, "main.py"]
        return [str(CLI), "--no-check-upgrade", "synth"]

    def leftovers(self) -> list[str]:
        known = {*APP_FILES, "__pycache__", "dist", ".cdk8s-cli.out"}
        return sorted(path.name for path in self.folder.iterdir() if path.name not in known)

    def trial(
        self, entry: str, sig: signal.Signals, *, step: str | None = None, delay: float = 0.0, to_app: bool = False
    ) -> Trial:
        before = snapshot(self.dist)
        current = next((bus for bus, output in self.outputs.items() if output == before), None)
        if current is None:  # an earlier trial lost or corrupted it (counted there): start again from in-cluster
            shutil.rmtree(self.dist, ignore_errors=True)
            self.dist.mkdir()
            for name, data in self.outputs[IN_CLUSTER].items():
                (self.dist / name).write_bytes(data)
            before, current = snapshot(self.dist), IN_CLUSTER
        target_bus = MANAGED if current == IN_CLUSTER else IN_CLUSTER
        self.set_bus(target_bus)
        extra = {"AGENTSMITH_TEST_PAUSE": step} if step else {}
        process = subprocess.Popen(
            self.command(entry),
            cwd=self.folder,
            env=_env(**extra),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        assert process.stderr is not None
        err_lines: list[str] = []
        if step is not None:
            how = f"paused at {step!r}, {sig.name} to the app"
            for raw in process.stderr:
                line = raw.decode(errors="replace")
                err_lines.append(line)
                match = PAUSE_LINE.search(line)
                if match:
                    os.kill(int(match[2]), sig)
                    break
            else:
                how += " (step never reached)"
        else:
            time.sleep(delay)
            app = _app_pid(process.pid) if to_app else None
            how = f"{sig.name} to the {'app' if app else 'process group'} after {delay:.3f}s"
            try:
                if app:
                    os.kill(app, sig)
                else:
                    os.killpg(process.pid, sig)
            except ProcessLookupError:
                pass
        _, rest = process.communicate(timeout=300)
        err_lines.append(rest.decode(errors="replace"))
        _wait_for_group(process.pid)
        after = snapshot(self.dist)
        if after is None:
            outcome = "lost"
        elif after == before:
            outcome = "old"
        elif after == self.outputs[target_bus]:
            outcome = "new"
        else:
            outcome = "corrupted"
        return Trial(entry, how, outcome, process.returncode, "".join(err_lines))


def _app_pid(root: int) -> int | None:
    """The python process running main.py in ``root``'s process tree (``root`` itself for main.py), if any yet."""
    parents: dict[int, int] = {}
    commands: dict[int, bytes] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat_fields[1])
    for pid, command in commands.items():
        if b"main.py" not in command or b"python" not in command.split(b"\0")[0]:
            continue
        ancestor = pid
        while ancestor > 1:
            if ancestor == root:
                return pid
            ancestor = parents.get(ancestor, 1)
    return None


def _wait_for_group(pgid: int) -> None:
    """Wait until no process of the group is left (the app may outlive a killed CLI)."""
    for _ in range(1200):
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.killpg(pgid, signal.SIGKILL)


def plan(
    entry: str, duration: float, *, delays: int, seed: int
) -> Iterator[tuple[signal.Signals, str | None, float, bool]]:
    """Every hook step with every signal, then ``delays`` seeded random delays over 1.5 x ``duration``.

    Delay trials alternate between signalling the process group and the app alone.
    """
    for step in STEPS:
        for sig in SIGNALS:
            yield sig, step, 0.0, True
    rng = random.Random(f"{seed}-{entry}")
    for index in range(delays):
        yield SIGNALS[index % len(SIGNALS)], None, rng.uniform(0.0, duration * 1.5), index % 2 == 1


def run_kill_trials(base: Path, *, delays: int = 4, seed: int = 12) -> Trials:
    project = Project(base / "project")
    result = Trials()
    for entry in ENTRIES:
        for sig, step, delay, to_app in plan(entry, project.durations[entry], delays=delays, seed=seed):
            result.trials.append(project.trial(entry, sig, step=step, delay=delay, to_app=to_app))
    # a clean run after all that removes what killed runs left behind
    for entry in ENTRIES:
        project.set_bus(IN_CLUSTER)
        subprocess.run(project.command(entry), cwd=project.folder, env=_env(), capture_output=True, timeout=300)
    result.leftovers_after_clean_run = project.leftovers()
    return result


@dataclass(frozen=True)
class ConcurrentRuns:
    returncodes: list[int]
    stderr: list[str]
    outdir: dict[str, bytes] | None
    outputs: list[dict[str, bytes]]  # what each bus alone writes
    leftovers: list[str]


def run_concurrent_synths(base: Path, *, runs: int = 4) -> ConcurrentRuns:
    """``runs`` processes of `python main.py --outdir X` at once, alternating the two buses."""
    projects = []
    for index, bus in enumerate((IN_CLUSTER, MANAGED)):
        folder = base / f"p{index}"
        folder.mkdir(parents=True)
        for name in APP_FILES:
            (folder / name).write_bytes((ROOT / name).read_bytes())
        (folder / "main.py").write_text(
            (ROOT / "main.py").read_text(encoding="utf-8").replace(IN_CLUSTER, bus), encoding="utf-8"
        )
        projects.append(folder)
    outputs = []
    for index, folder in enumerate(projects):
        alone = base / f"alone{index}"
        subprocess.run(
            [sys.executable, "main.py", "--outdir", str(alone)], cwd=folder, env=_env(), check=True, capture_output=True
        )
        outputs.append(snapshot(alone) or {})
    target = base / "shared" / "dist"
    processes = [
        subprocess.Popen(
            [sys.executable, "main.py", "--outdir", str(target)],
            cwd=projects[index % 2],
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for index in range(runs)
    ]
    stderr = [process.communicate(timeout=300)[1].decode() for process in processes]
    return ConcurrentRuns(
        [process.returncode for process in processes],
        stderr,
        snapshot(target),
        outputs,
        sorted(path.name for path in target.parent.iterdir() if path.name != "dist"),
    )
