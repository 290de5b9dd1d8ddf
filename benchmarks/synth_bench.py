"""Synth benchmark: wall time and peak memory of cdk8s-in-python against its floor and references.

Usage (from the project folder)::

    .venv/bin/python benchmarks/synth_bench.py [--repeat 5] [--warmup 1] [--suite] [--no-node] [--json FILE]

Every measurement is a fresh subprocess. Scenarios run round-robin (one of each
per round, the order rotated every round), so a noisy neighbour slows all of
them alike instead of one. Wall time is ``time.perf_counter`` from spawn to
exit. Peak memory is the largest sum of RSS over the whole process tree (python
and the node processes jsii starts), sampled from ``/proc`` every 10 ms, and at
least the root process's own peak (``VmHWM``), which short runs would miss.

Prints markdown: a table (median, min-max), the ratios the targets of issue 7
are checked against, and a line describing the machine.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024
POLL_SECONDS = 0.010

#: Targets from issue 7: (label, numerator, denominator, limit).
TARGETS = (
    ("python main.py / import floor", "project", "import", 1.10),
    ("N=100 / N=1", "redis-100", "redis-1", 1.6),
)
SUITE_TARGET_SECONDS = 10.0
SUITE_COMMAND = ("-m", "pytest", "-m", "not runtime", "-q", "-p", "no:cacheprovider")


# -- measuring one process tree ----------------------------------------------


class TreeSampler(threading.Thread):
    """Polls /proc and keeps the largest total RSS of ``root`` and all its descendants."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak = 0  # largest sum of RSS over the tree
        self.root_hwm = 0  # the root process's own peak RSS (VmHWM), catches what sampling misses
        self.samples = 0
        self._exec_seen = False
        self._own_cmdline = Path("/proc/self/cmdline").read_bytes()
        self._halt = threading.Event()
        self._parent: dict[int, int] = {}  # pid -> ppid, read once per pid

    def _ppid(self, pid: int) -> int | None:
        if pid not in self._parent:
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                return None
            # "pid (comm) state ppid ...": comm may contain spaces and parentheses.
            self._parent[pid] = int(stat[stat.rindex(b")") + 2 :].split()[1])
        return self._parent[pid]

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                pid = int(entry)
                ppid = self._ppid(pid)
                if ppid is not None:
                    children.setdefault(ppid, []).append(pid)
        tree, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, ()))
        return tree

    def _exec_done(self) -> bool:
        """Until the child has exec'd it is a copy of this process: do not count that memory."""
        if not self._exec_seen:
            try:
                self._exec_seen = Path(f"/proc/{self.root}/cmdline").read_bytes() != self._own_cmdline
            except OSError:
                pass
        return self._exec_seen

    def _root_hwm(self) -> int:
        try:
            for line in Path(f"/proc/{self.root}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        except (OSError, ValueError):
            pass
        return 0

    def sample(self) -> None:
        if not self._exec_done():
            return
        self.root_hwm = max(self.root_hwm, self._root_hwm())
        total = 0
        for pid in self._tree():
            try:
                with open(f"/proc/{pid}/statm", "rb") as f:
                    total += int(f.read().split()[1]) * PAGE
            except (OSError, IndexError, ValueError):
                pass  # exited between listing and reading
        self.peak = max(self.peak, total)
        self.samples += 1

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(POLL_SECONDS)

    def stop(self) -> None:
        self._halt.set()
        self.join()


@dataclass
class Run:
    seconds: float
    peak_bytes: int
    returncode: int
    stdout: str = ""
    stderr: str = ""
    round_no: int = 0


def measure(cmd: list[str], cwd: Path, env: dict[str, str]) -> Run:
    """Run ``cmd`` once; wall time from spawn to exit and the peak RSS of its process tree."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status = os.waitpid(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop()
        out.seek(0)
        err.seek(0)
        return Run(
            seconds=seconds,
            peak_bytes=max(sampler.peak, sampler.root_hwm),
            returncode=proc.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
        )


# -- scenarios ------------------------------------------------------------------


@dataclass
class Scenario:
    key: str
    label: str
    argv: list[str]  # "{out}" is replaced by a fresh output folder per run
    runs: list[Run] = field(default_factory=list)
    warmup_failures: list[Run] = field(default_factory=list)

    def command(self, out: Path) -> list[str]:
        return [str(out) if a == "{out}" else a for a in self.argv]

    def ok(self) -> list[Run]:
        return [r for r in self.runs if r.returncode == 0]


def scenarios(python: str, node: str | None, project: Path, data: Path, counts: dict[str, int]) -> list[Scenario]:
    scen = str(HERE / "scenario.py")
    result = [
        Scenario("import", "floor: `import cdk8s_plus_27`", [python, "-c", "import cdk8s_plus_27"]),
        Scenario("empty", "floor: empty `App().synth()`", [python, scen, "empty", "{out}"]),
        Scenario(
            "project", "project: `python main.py --outdir`", [python, str(project / "main.py"), "--outdir", "{out}"]
        ),
    ]
    for n in (1, 10, 100):
        result.append(Scenario(f"redis-{n}", f"scale: {n} x EphemeralRedis", [python, scen, "redis", str(n), "{out}"]))
    result += [
        Scenario(
            "yaml-project",
            f"reference: PyYAML, project objects ({counts['project']})",
            [python, scen, "yaml", str(data / "project.json"), "{out}"],
        ),
        Scenario(
            "yaml-100",
            f"reference: PyYAML, N=100 objects ({counts['100']})",
            [python, scen, "yaml", str(data / "redis-100.json"), "{out}"],
        ),
    ]
    if node:
        js = str(HERE / "scenario_node.js")
        result += [
            Scenario(
                "node-project",
                f"reference: cdk8s in node, project objects ({counts['project']})",
                [node, js, str(data / "project.json"), "{out}"],
            ),
            Scenario(
                "node-100",
                f"reference: cdk8s in node, N=100 objects ({counts['100']})",
                [node, js, str(data / "redis-100.json"), "{out}"],
            ),
        ]
    return result


def prepare(python: str, project: Path, env: dict[str, str], data: Path) -> dict[str, int]:
    """Dump the objects a real synth produces, for the PyYAML and node references."""
    counts = {}
    for what, name in (("project", "project.json"), ("100", "redis-100.json")):
        cmd = [python, str(HERE / "scenario.py"), "objects", what, str(data / name)]
        run = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit(f"could not synthesise the reference objects ({what}):\n{run.stderr}")
        counts[what] = len(json.loads((data / name).read_text(encoding="utf-8")))
    return counts


# -- reporting ------------------------------------------------------------------


def fmt_range(values: list[float], unit: str, digits: int) -> tuple[str, str]:
    if not values:
        return "failed", ""
    return f"{statistics.median(values):.{digits}f}{unit}", f"{min(values):.{digits}f}-{max(values):.{digits}f}"


def median(s: Scenario) -> float | None:
    ok = s.ok()
    return statistics.median(r.seconds for r in ok) if ok else None


def minimum(s: Scenario) -> float | None:
    ok = s.ok()
    return min(r.seconds for r in ok) if ok else None


def machine(python: str, node: str | None) -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pyver = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True)
    nodever = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip() if node else "none"
    return (
        f"{len(os.sched_getaffinity(0))} cores ({os.cpu_count()} online), {model}, "
        f"Python {pyver.stdout.strip()}, node {nodever}, {platform.system()} {platform.release()}"
    )


def git_state(project: Path) -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=project, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True).stdout
        return f"{head}{' + uncommitted changes' if dirty.strip() else ''}"
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"


def print_report(
    table: list[Scenario],
    suite: Run | None,
    args: argparse.Namespace,
    python: str,
    node: str | None,
    project: Path,
    load: tuple[str, str],
    elapsed: float,
) -> None:
    by_key = {s.key: s for s in table}
    date = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print(f"## Synth benchmark — {date}\n")
    print(f"- machine: {machine(python, node)}")
    print(f"- project: {project} at {git_state(project)}")
    print(
        f"- method: {args.repeat} interleaved repetitions (+{args.warmup} warm-up round), fresh process each; "
        f"load average before/after: {load[0]} / {load[1]}; took {elapsed:.0f} s\n"
    )
    print("| scenario | wall median | wall min-max | tree peak RSS median | peak min-max | ok |")
    print("|---|---:|---:|---:|---:|---:|")
    for s in table:
        ok = s.ok()
        wall, wall_range = fmt_range([r.seconds for r in ok], " s", 2)
        mem, mem_range = fmt_range([r.peak_bytes / MIB for r in ok], " MiB", 0)
        print(f"| {s.label} | {wall} | {wall_range} | {mem} | {mem_range} | {len(ok)}/{len(s.runs)} |")

    print(
        "\n| ratio (wall time) | median / median | min / min | median of per-round ratios | target "
        "| verdict (median / median) |"
    )
    print("|---|---:|---:|---:|---:|---|")

    def ratio_row(label: str, num: str, den: str, target: float | None) -> None:
        a, b = by_key.get(num), by_key.get(den)
        limit = f"≤ {target:.2f}" if target else ""
        med_a, med_b = (median(a), median(b)) if a and b else (None, None)
        min_a, min_b = (minimum(a), minimum(b)) if a and b else (None, None)
        if not (a and b and med_a and med_b and min_a and min_b):
            print(f"| {label} | n/a | n/a | n/a | {limit} | not measured |")
            return
        r_med, r_min = med_a / med_b, min_a / min_b
        # Runs of one round are seconds apart, so they share most of the machine's noise.
        den_by_round = {r.round_no: r.seconds for r in b.ok()}
        paired = [r.seconds / den_by_round[r.round_no] for r in a.ok() if r.round_no in den_by_round]
        r_pair = f"{statistics.median(paired):.2f}" if paired else "n/a"
        verdict = "" if target is None else ("meets target" if r_med <= target else "misses target")
        print(f"| {label} | {r_med:.2f} | {r_min:.2f} | {r_pair} | {limit} | {verdict} |")

    for label, num, den, limit in TARGETS:
        ratio_row(label, num, den, limit)
    ratio_row("empty synth / import floor", "empty", "import", None)
    ratio_row("N=100 / PyYAML N=100", "redis-100", "yaml-100", None)
    ratio_row("N=100 / cdk8s-in-node N=100", "redis-100", "node-100", None)
    ratio_row("import floor / PyYAML project objects", "import", "yaml-project", None)
    r1, r100 = by_key["redis-1"], by_key["redis-100"]
    med_1, med_100 = median(r1), median(r100)
    if med_1 and med_100:
        per = (med_100 - med_1) / 99 * 1000
        print(f"\nMarginal cost per EphemeralRedis (median N=100 - N=1, / 99): {per:.1f} ms.")
    if suite is None:
        print(f'\nTest suite (`pytest -m "not runtime"`) ≤ {SUITE_TARGET_SECONDS:.0f} s: not measured (pass --suite).')
    else:
        tail = (suite.stdout.strip().splitlines() or ["(no output)"])[-1]
        verdict = "meets target" if suite.returncode == 0 and suite.seconds <= SUITE_TARGET_SECONDS else "misses target"
        if suite.returncode != 0:
            verdict += f" (pytest exit {suite.returncode})"
        print(
            f'\nTest suite (`pytest -m "not runtime"`, once): {suite.seconds:.1f} s wall, '
            f"{suite.peak_bytes / MIB:.0f} MiB tree peak; target ≤ {SUITE_TARGET_SECONDS:.0f} s: {verdict}. "
            f"pytest: {tail}"
        )
    failures = [(s, r) for s in table for r in s.warmup_failures + s.runs if r.returncode != 0]
    for s, r in failures[:3]:
        last = (r.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        print(f"\n**{s.key} failed** (exit {r.returncode}): {last}")


# -- main -----------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="measured rounds (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured rounds first (default 1)")
    parser.add_argument("--suite", action="store_true", help="also time the test suite once (without runtime/slow)")
    parser.add_argument("--no-node", action="store_true", help="skip the cdk8s-in-node reference")
    parser.add_argument("--project", type=Path, default=HERE.parent, help="project folder (default: this checkout)")
    parser.add_argument("--json", type=Path, help="also write the raw timings to this file")
    args = parser.parse_args()

    project = args.project.resolve()
    python = sys.executable
    node = None if args.no_node else shutil.which("node")
    if node and not (HERE.parent / "node_modules" / "cdk8s").is_dir():
        print("note: node_modules/cdk8s missing, skipping the node reference", file=sys.stderr)
        node = None
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "BENCH_PROJECT_DIR": str(project)}
    for noisy in ("JSII_DEBUG", "AGENTSMITH_DEBUG", "CDK8S_OUTDIR"):
        env.pop(noisy, None)

    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="synth-bench-") as tmp:
        root = Path(tmp)
        data = root / "data"
        data.mkdir()
        print("preparing reference objects ...", file=sys.stderr)
        counts = prepare(python, project, env, data)
        table = scenarios(python, node, project, data, counts)
        total = args.warmup + args.repeat
        for round_no in range(total):
            shift = round_no % len(table)
            order = table[shift:] + table[:shift]
            measured = round_no >= args.warmup
            print(f"round {round_no + 1}/{total}{'' if measured else ' (warm-up)'} ...", file=sys.stderr)
            for s in order:
                out = root / f"out-{s.key}-{round_no}" / "dist"
                out.parent.mkdir()
                run = measure(s.command(out), project, env)
                run.round_no = round_no
                shutil.rmtree(out.parent, ignore_errors=True)
                if measured:
                    s.runs.append(run)
                elif run.returncode != 0:
                    s.warmup_failures.append(run)
        suite = None
        if args.suite:
            print("test suite ...", file=sys.stderr)
            suite = measure([python, *SUITE_COMMAND], project, env)
    elapsed = time.perf_counter() - started
    load_after = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print_report(table, suite, args, python, node, project, (load_before, load_after), elapsed)
    if args.json:
        raw = {
            s.key: [{"round": r.round_no, "s": r.seconds, "peak": r.peak_bytes, "rc": r.returncode} for r in s.runs]
            for s in table
        }
        if suite:
            raw["suite"] = [{"s": suite.seconds, "peak": suite.peak_bytes, "rc": suite.returncode}]
        args.json.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    return 1 if any(r.returncode for s in table for r in s.runs) else 0


if __name__ == "__main__":
    sys.exit(main())
