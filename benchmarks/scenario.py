"""One benchmark scenario per process; ``synth_bench.py`` runs these as fresh subprocesses.

Usage (from the project folder, with the venv python)::

    python benchmarks/scenario.py empty OUTDIR          # cdk8s.App().synth(), nothing in it
    python benchmarks/scenario.py redis N OUTDIR        # one chart with N EphemeralRedis
    python benchmarks/scenario.py objects WHAT JSON     # WHAT = project | N: dump the objects
    python benchmarks/scenario.py yaml JSON OUTDIR      # plain PyYAML writes JSON's objects

Heavy modules are imported inside each branch, so the ``yaml`` reference never
loads jsii.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import cdk8s
    from constructs import Construct

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

#: The project whose ``agentsmith`` and ``main.py`` are measured (``synth_bench.py --project``).
PROJECT_DIR = Path(os.environ.get("BENCH_PROJECT_DIR") or Path(__file__).resolve().parent.parent)


def redis_chart(app: Construct, n: int) -> cdk8s.Chart:
    """A chart holding ``n`` EphemeralRedis named redis-0 .. redis-<n-1>."""
    import cdk8s

    from agentsmith import EphemeralRedis

    chart = cdk8s.Chart(app, "bench", disable_resource_name_hashes=True)
    for i in range(n):
        EphemeralRedis(chart, f"redis-{i}", name=f"redis-{i}")
    return chart


def file_per_resource_app(outdir: str) -> cdk8s.App:
    import cdk8s

    return cdk8s.App(outdir=outdir, yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)


def empty(outdir: str) -> None:
    file_per_resource_app(outdir).synth()


def redis(n: int, outdir: str) -> None:
    app = file_per_resource_app(outdir)
    redis_chart(app, n)
    app.synth()


def objects(what: str, json_path: str) -> None:
    """Write the objects a real synth produces (same order, same key order) as JSON."""
    import cdk8s

    app = cdk8s.App(outdir=os.devnull)
    if what == "project":
        sys.path.insert(0, str(PROJECT_DIR))
        import main

        main.build(app)
    else:
        redis_chart(app, int(what))
    docs = [doc for chart in app.charts for doc in chart.to_json()]
    Path(json_path).write_text(json.dumps(docs), encoding="utf-8")


def write_yaml(json_path: str, outdir: str) -> None:
    """The reference: the same objects, one file per resource, written by PyYAML alone."""
    import yaml

    class Dumper(yaml.SafeDumper):
        """Indent block sequences under their key, as cdk8s does, so the files look alike."""

        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    for doc in json.loads(Path(json_path).read_text(encoding="utf-8")):
        name = f"{doc['kind']}.{doc['metadata']['name']}.k8s.yaml"
        (out / name).write_text(yaml.dump(doc, Dumper=Dumper, sort_keys=False), encoding="utf-8")


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "empty":
        empty(*args)
    elif command == "redis":
        redis(int(args[0]), args[1])
    elif command == "objects":
        objects(*args)
    elif command == "yaml":
        write_yaml(*args)
    else:
        raise SystemExit(f"unknown scenario {command!r}; see the module docstring")


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT_DIR))
    main(sys.argv[1:])
