"""Count jsii round trips (python <-> node) per EphemeralRedis, by kind and by call site.

Usage (from the project folder)::

    .venv/bin/python benchmarks/jsii_calls.py [--n 1 10 100] [--top 25]

Each N runs in a fresh subprocess that wraps jsii's one transport function,
``_NodeProcess.send``, so every request (create, invoke, get, set, sinvoke,
sget, complete, load, ...) and every callback node makes into python is counted,
with the time spent waiting for node. Phases are counted apart: ``import``
(``import cdk8s, agentsmith``), ``build`` (the constructors) and ``synth``.

Per instance = (build(N_max) - build(N_min)) / (N_max - N_min): fixed per-app
costs cancel out. The call-site table attributes each round trip to the first
project frame (``agentsmith/...`` or ``benchmarks/scenario.py``) and to the
jsii-generated binding that sent it, e.g. ``KubeDeployment.__init__``. A last
table counts the round trips of ``main.build`` (the project itself).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

HERE = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("BENCH_PROJECT_DIR") or HERE.parent)


def _describe(request: Any) -> tuple[str, str]:
    """(kind, target): e.g. ('create', 'cdk8s.ApiObject'), ('get', 'constructs.Construct#node')."""
    name = type(request).__name__
    kind = {
        "CreateRequest": "create",
        "InvokeRequest": "invoke",
        "StaticInvokeRequest": "sinvoke",
        "GetRequest": "get",
        "StaticGetRequest": "sget",
        "SetRequest": "set",
        "StaticSetRequest": "sset",
        "DeleteRequest": "del",
        "LoadRequest": "load",
        "_CompleteRequest": "complete",
        "BeginRequest": "begin",
        "StaticBeginRequest": "sbegin",
        "CallbacksRequest": "callbacks",
    }.get(name, name)
    if hasattr(request, "fqn"):
        member = getattr(request, "method", None) or getattr(request, "property", None)
        return kind, f"{request.fqn}.{member}" if member else request.fqn
    objref = getattr(request, "objref", None)
    if objref is not None:
        cls = objref.ref.split("@")[0]
        return kind, f"{cls}#{getattr(request, 'method', None) or getattr(request, 'property', '')}"
    if kind == "load":
        return kind, request.name
    if kind == "complete":
        return kind, "callback result"
    return kind, ""


def _call_site(frame: FrameType | None) -> tuple[str, str]:
    """(project frame 'file:line function', binding 'Class.method') for the current request."""
    binding = project = ""
    jsii_dir = os.sep + "jsii" + os.sep
    while frame is not None:
        code = frame.f_code
        path = code.co_filename
        if not binding and jsii_dir not in path and "site-packages" in path:
            binding = code.co_qualname
        if str(PROJECT_DIR) in path and "site-packages" not in path and Path(path).name != "jsii_calls.py":
            rel = os.path.relpath(path, PROJECT_DIR)
            project = f"{rel}:{frame.f_lineno} {code.co_name}"
            break
        frame = frame.f_back
    return project or "(outside project)", binding or "(jsii runtime)"


def child(what: str) -> None:
    """Run one scenario in this process and print the counts as JSON."""
    t0 = time.perf_counter()
    from jsii._kernel.providers import process as jsii_process

    records: list[dict[str, Any]] = []
    phase = ["import"]
    original = jsii_process._NodeProcess.send

    def send(self: Any, request: Any, response_type: Any) -> Any:
        kind, target = _describe(request)
        site, binding = _call_site(sys._getframe(1))
        started = time.perf_counter()
        response: Any = original(self, request, response_type)
        elapsed = time.perf_counter() - started
        records.append(
            {"phase": phase[0], "kind": kind, "target": target, "site": site, "binding": binding, "s": elapsed}
        )
        if type(response).__name__ == "Callback":  # node calls back into python before answering
            what = "invoke" if response.invoke else "get" if response.get else "set"
            records.append(
                {
                    "phase": phase[0],
                    "kind": f"callback-{what}",
                    "target": response.cookie,
                    "site": site,
                    "binding": binding,
                    "s": 0.0,
                }
            )
        return response

    jsii_process._NodeProcess.send = send  # type: ignore[method-assign]  # counting wrapper, this process only
    sys.path.insert(0, str(PROJECT_DIR))
    sys.path.insert(0, str(HERE))
    import cdk8s
    import scenario

    import agentsmith  # noqa: F401

    t1 = time.perf_counter()
    phase[0] = "build"
    app = cdk8s.App(outdir=os.devnull)
    if what == "project":
        import main as project_main

        project_main.build(app)
    else:
        scenario.redis_chart(app, int(what))
    t2 = time.perf_counter()
    phase[0] = "synth"
    app.synth_yaml()
    t3 = time.perf_counter()
    print(json.dumps({"n": what, "records": records, "times": {"import": t1 - t0, "build": t2 - t1, "synth": t3 - t2}}))


def run_child(n: int | str) -> dict[str, Any]:
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    env.pop("JSII_DEBUG", None)
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(n)], env=env, cwd=PROJECT_DIR, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"N={n} failed:\n{out.stderr}")
    run: dict[str, Any] = json.loads(out.stdout.splitlines()[-1])
    return run


def report(runs: list[dict[str, Any]], top: int) -> None:
    lo, hi = runs[0], runs[-1]
    span = int(hi["n"]) - int(lo["n"])

    def counter(
        run: dict[str, Any], phase: str, key: str | Callable[[dict[str, Any]], str]
    ) -> collections.Counter[str]:
        c: collections.Counter[str] = collections.Counter()
        for r in run["records"]:
            if r["phase"] == phase:
                c[key(r) if callable(key) else r[key]] += 1
        return c

    def seconds(run: dict[str, Any], phase: str) -> float:
        return float(sum(r["s"] for r in run["records"] if r["phase"] == phase))

    print("## jsii round trips\n")
    print("| N | import: trips | build: trips | build: s (node wait) | synth: trips | synth: s (node wait) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        t = run["times"]
        cells = [str(run["n"])]
        for phase in ("import", "build", "synth"):
            trips = sum(counter(run, phase, "kind").values())
            if phase == "import":
                cells.append(f"{trips}")
            else:
                cells.append(f"{trips}")
                cells.append(f"{t[phase]:.3f} ({seconds(run, phase):.3f})")
        print("| " + " | ".join(cells) + " |")
    if span <= 0:
        return

    def per_instance(phase: str, key: str | Callable[[dict[str, Any]], str]) -> list[tuple[str, float]]:
        a, b = counter(lo, phase, key), counter(hi, phase, key)
        rows = [(k, (b[k] - a[k]) / span) for k in set(a) | set(b)]
        return sorted((r for r in rows if r[1]), key=lambda r: (-r[1], r[0]))

    for phase in ("build", "synth"):
        total = sum(v for _, v in per_instance(phase, "kind"))
        ms = (seconds(hi, phase) - seconds(lo, phase)) / span * 1000
        wall = (hi["times"][phase] - lo["times"][phase]) / span * 1000
        print(
            f"\n### {phase}: {total:g} round trips per EphemeralRedis "
            f"(N={lo['n']} -> N={hi['n']}); {wall:.1f} ms wall per instance, {ms:.1f} ms of it waiting for node\n"
        )
        print("| kind | per instance |")
        print("|---|---:|")
        for k, v in per_instance(phase, "kind"):
            print(f"| {k} | {v:g} |")
        print("\n| kind | jsii target | per instance |")
        print("|---|---|---:|")
        for k, v in per_instance(phase, lambda r: f"{r['kind']} | {r['target']}")[:top]:
            print(f"| {k} | {v:g} |")
        print("\n| call site (project frame) | jsii binding | per instance |")
        print("|---|---|---:|")
        for k, v in per_instance(phase, lambda r: f"{r['site']} | {r['binding']}")[:top]:
            print(f"| {k} | {v:g} |")


def project(run: dict[str, Any]) -> None:
    """The round trips of ``main.build`` (the project's charts), by kind and target."""
    counts: collections.Counter[str] = collections.Counter(
        f"{r['kind']} | {r['target']}" for r in run["records"] if r["phase"] == "build"
    )
    t = run["times"]
    print(
        f"\n## main.build: {sum(counts.values())} round trips, build {t['build']:.3f} s, "
        f"synth {t['synth']:.3f} s, import {t['import']:.3f} s\n"
    )
    print("| kind | jsii target | count |")
    print("|---|---|---:|")
    for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"| {k} | {v} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1, 10, 100], help="instance counts (default 1 10 100)")
    parser.add_argument("--top", type=int, default=25, help="rows per breakdown table (default 25)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child)
        return
    report([run_child(n) for n in sorted(args.n)], args.top)
    project(run_child("project"))


if __name__ == "__main__":
    main()
