"""Synth cost against the number of charts (issue 29), and what each jsii read cache of the checks saves.

Usage (from the project folder)::

    .venv/bin/python benchmarks/synth_scaling.py [--repeat 5] [--sizes 1,100,200] [--cache-size 100]
        [--no-caches] [--project DIR] [--json FILE]

Part 1, scaling: apps of N charts, one ``EphemeralRedis`` each (``redis``), the
same manifests as plain ``cdk8s.ApiObject``\\ s (``plain``, read from the
``redis`` app's ``chart.to_json()``; the YAML must be byte-identical), and the
``redis`` app with the once-per-synth guard disabled (``every-validation``:
the check runs at each of cdk8s's 1 + 1 + N validations, as before issue 29).
Part 2, caches: the ``redis`` app at ``--cache-size`` charts plus a plain
Service and a ``RedisConnectionSecret`` per chart, with all of
``agentsmith.checks.tree.TreeCache``'s caches, with each one disabled, and
with none.

Every measurement is a fresh process: build the app, ``app.synth()`` into a
temporary folder. Variants run round-robin, one of each per round, the order
rotated each round. Prints markdown: the wall time of each process (spawn to
exit) and the time of ``app.synth()`` alone (median, min-max), and the ratios.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = 1.3  # issue 29: redis / plain at every N


# -- the child: one measurement ----------------------------------------------------------------------------


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def child(kind: str, n: int, manifests: str | None, disable: list[str], dump: str | None) -> None:
    started = time.perf_counter()
    import cdk8s

    charts: list[cdk8s.Chart] = []
    app_dir = tempfile.mkdtemp(prefix="synth-scaling-")
    app = cdk8s.App(outdir=app_dir)
    if kind == "plain":
        assert manifests is not None
        for i, objects in enumerate(json.loads(Path(manifests).read_text())):
            chart = cdk8s.Chart(app, f"c{i}", namespace=f"ns{i}", disable_resource_name_hashes=True)
            for j, obj in enumerate(objects):
                meta = obj["metadata"]
                api_object = cdk8s.ApiObject(
                    chart,
                    f"o{j}",
                    api_version=obj["apiVersion"],
                    kind=obj["kind"],
                    metadata=cdk8s.ApiObjectMetadata(
                        name=meta.get("name"), namespace=meta.get("namespace"), labels=meta.get("labels")
                    ),
                )
                body = [
                    cdk8s.JsonPatch.add(f"/{k}", obj[k]) for k in obj if k not in ("apiVersion", "kind", "metadata")
                ]
                if body:
                    api_object.add_json_patch(*body)
            charts.append(chart)
    else:
        from agentsmith import EphemeralRedis, RedisConnectionSecret
        from agentsmith.checks import synth, tree

        if disable:
            tree.cache.disable(*disable)
        if kind == "every-validation":
            synth._outermost_cdk8s_frame = lambda: None  # never the same call: no skip
        for i in range(n):
            chart = cdk8s.Chart(app, f"c{i}", namespace=f"ns{i}", disable_resource_name_hashes=True)
            if kind == "mixed":
                cdk8s.ApiObject(
                    chart, "svc", api_version="v1", kind="Service", metadata=cdk8s.ApiObjectMetadata(name=f"s{i}")
                )
            EphemeralRedis(chart, "redis")
            if kind == "mixed":
                RedisConnectionSecret(chart, "url", url="redis://cache.example.com:6379", name=f"url-{i}")
            charts.append(chart)
    built = time.perf_counter()
    app.synth()
    synthesised = time.perf_counter()
    if dump:
        Path(dump).write_text(json.dumps([chart.to_json() for chart in charts]))
    result = {"build": built - started, "synth": synthesised - built, "digest": _digest(Path(app_dir))}
    print(json.dumps(result))


# -- the parent: variants, rounds, tables ------------------------------------------------------------------


def run(python: str, project: Path, env: dict[str, str], args: list[str]) -> dict[str, float | str]:
    started = time.perf_counter()
    proc = subprocess.run(
        [python, str(HERE / "synth_scaling.py"), "--child", *args], cwd=project, env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{args} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, float | str] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def rounds(
    python: str, project: Path, env: dict[str, str], variants: dict[str, list[str]], repeat: int
) -> dict[str, list[dict[str, float | str]]]:
    names = list(variants)
    runs: dict[str, list[dict[str, float | str]]] = {name: [] for name in names}
    for round_no in range(repeat):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            runs[name].append(run(python, project, env, variants[name]))
        print(f"  round {round_no + 1}/{repeat} done", file=sys.stderr)
    return runs


def med(runs: list[dict[str, float | str]], field: str) -> float:
    return statistics.median(float(r[field]) for r in runs)


def cell(runs: list[dict[str, float | str]], field: str) -> str:
    values = [float(r[field]) for r in runs]
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--sizes", default="1,100,200", help="chart counts (default 1,100,200)")
    parser.add_argument("--cache-size", type=int, default=100, help="charts in the cache comparison (default 100)")
    parser.add_argument("--no-caches", action="store_true", help="skip the cache comparison")
    parser.add_argument("--project", type=Path, default=HERE.parent, help="project folder (default: this checkout)")
    parser.add_argument("--json", type=Path, help="also write the raw timings to this file")
    args = parser.parse_args()
    if args.child is not None:
        kind, n, manifests, disable, dump = args.child
        child(kind, int(n), manifests or None, [d for d in disable.split(",") if d], dump or None)
        return

    project = args.project.resolve()
    python = sys.executable
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    env["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1"
    for noisy in ("JSII_DEBUG", "AGENTSMITH_DEBUG", "CDK8S_OUTDIR"):
        env.pop(noisy, None)
    sizes = [int(n) for n in args.sizes.split(",")]
    raw: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="synth-scaling-") as tmp:
        variants: dict[str, list[str]] = {}
        for n in sizes:
            manifests = f"{tmp}/manifests-{n}.json"
            reference = run(python, project, env, ["redis", str(n), "", "", manifests])  # also a warm-up
            variants[f"redis N={n}"] = ["redis", str(n), "", "", ""]
            variants[f"plain N={n}"] = ["plain", str(n), manifests, "", ""]
            variants[f"every-validation N={n}"] = ["every-validation", str(n), "", "", ""]
            plain = run(python, project, env, variants[f"plain N={n}"])
            if plain["digest"] != reference["digest"]:
                raise SystemExit(f"N={n}: the plain ApiObject app's YAML differs from the EphemeralRedis app's")
        print("scaling ...", file=sys.stderr)
        scaling = rounds(python, project, env, variants, args.repeat)
        raw["scaling"] = scaling

    print(f"## Synth against charts ({args.repeat} rounds, fresh process each; seconds, median (min-max))\n")
    print("| variant | process wall | app.synth() |")
    print("|---|---|---|")
    for name, runs in scaling.items():
        print(f"| {name} | {cell(runs, 'wall')} | {cell(runs, 'synth')} |")
    print(f"\nYAML of `redis` and `plain` byte-identical at N = {', '.join(map(str, sizes))}.\n")
    print(f"| N | redis / plain (wall) | target ≤ {TARGET} | every-validation / plain (wall) | redis / plain (synth) |")
    print("|---|---|---|---|---|")
    for n in sizes:
        r, p, e = (scaling[f"{k} N={n}"] for k in ("redis", "plain", "every-validation"))
        ratio = med(r, "wall") / med(p, "wall")
        verdict = "met" if ratio <= TARGET else "MISSED"
        synth_ratio = med(r, "synth") / med(p, "synth")
        print(f"| {n} | {ratio:.2f} | {verdict} | {med(e, 'wall') / med(p, 'wall'):.2f} | {synth_ratio:.2f} |")

    if not args.no_caches:
        sys.path.insert(0, str(project))
        os.environ.update(env)  # importing the cache's module starts jsii's Node.js
        from agentsmith.checks.tree import TreeCache

        n = str(args.cache_size)
        cache_variants = {"all caches": ["mixed", n, "", "", ""]}
        for name in TreeCache.NAMES:
            cache_variants[f"without {name}"] = ["mixed", n, "", name, ""]
        cache_variants["no cache"] = ["mixed", n, "", ",".join(TreeCache.NAMES), ""]
        print("caches ...", file=sys.stderr)
        caches = rounds(python, project, env, cache_variants, args.repeat)
        raw["caches"] = caches
        digests = {str(r["digest"]) for runs in caches.values() for r in runs}
        assert len(digests) == 1, "the caches changed the output"
        base = caches["all caches"]
        print(
            f"\n## jsii read caches ({args.cache_size} charts: a plain Service, an EphemeralRedis and a "
            f"RedisConnectionSecret each; {args.repeat} rounds)\n"
        )
        print("| variant | process wall | app.synth() | wall / all caches | min / min |")
        print("|---|---|---|---|---|")
        for name, runs in caches.items():
            ratio = med(runs, "wall") / med(base, "wall")
            mins = min(float(r["wall"]) for r in runs) / min(float(r["wall"]) for r in base)
            print(f"| {name} | {cell(runs, 'wall')} | {cell(runs, 'synth')} | {ratio:.3f} | {mins:.3f} |")

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=project, capture_output=True, text=True)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"\n{os.cpu_count()} cores, Python {sys.version.split()[0]}, commit {commit.stdout.strip()}, load {load}")
    if args.json:
        args.json.write_text(json.dumps(raw, indent=1))


if __name__ == "__main__":
    main()
