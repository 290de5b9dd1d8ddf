"""The agentsmith cdk8s app: synthesises the message bus manifests into ``dist/``.

Run ``python main.py`` (or ``cdk8s synth``, which runs ``python main.py
--cdk8s-cli .cdk8s-cli.out`` through ``cdk8s.yaml``). Output: one YAML file per resource plus
``kustomization.yaml``, so ``dist/`` is a Kustomize base. The output folder is
replaced in one atomic step, and only if it is missing, empty or a previous
synth output; an invalid configuration, an error or a kill at any moment
leaves it as it was or completely updated (docs/operations.md, "Synthesising dist/").
For ``cdk8s synth --stdout`` the app writes one multi-document file instead
(:data:`STREAM_FILE`) and leaves ``dist/`` alone.

Exit codes: 0 on success, 1 on invalid configuration or failed synthesis (one
line on stderr; set ``AGENTSMITH_DEBUG=1`` for the traceback), 130 on SIGINT,
143 on SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
from pathlib import Path

#: jsii runs on the project's pinned Node.js LTS (package.json; tools/setup.sh installs it) unless JSII_NODE is set.
PROJECT_NODE = Path(__file__).resolve().parent / "node_modules" / ".bin" / "node"
if PROJECT_NODE.is_file():
    os.environ.setdefault("JSII_NODE", str(PROJECT_NODE))

import cdk8s
from constructs import Construct

from agentsmith import (
    AgentsmithConfigError,
    AgentsmithNamespace,
    EphemeralRedis,
    ExternalRedis,
    RedisEndpoint,
    RedisMetrics,
)
from outdir import KUSTOMIZATION, MARKER, check_target, publish

PROJECT_DIR = Path(__file__).resolve().parent
DEFAULT_OUTDIR = PROJECT_DIR / "dist"

#: The one file written for `cdk8s synth --stdout`: every manifest, `---`-separated, namespace first.
#: (cdk8s-cli prints each .yaml file of the app's folder back to back, without separators.)
STREAM_FILE = "app.k8s.yaml"
#: cdk8s-cli runs `--stdout` synths in a fresh `fs.mkdtemp(os.tmpdir() + "/cdk8s-")` folder.
CLI_STDOUT_PREFIX = "cdk8s-"
#: cdk8s wraps errors that validations return (not ours: they raise) in this header line.
CDK8S_VALIDATION_HEADER = "Validation failed with the following errors:"

#: Construct ids are public API: they end up in construct paths and error messages.
NAMESPACE_CHART_ID = "namespace"
CHART_ID = "agentsmith"


#: The message bus. None: the seed's EphemeralRedis in the agentsmith namespace. A URL without a
#: password: a Redis outside the cluster (the seed's HA path) through ExternalRedis. One line, e.g.
#:   MANAGED_REDIS_URL: str | None = "rediss://agentsmith.cache.example.com:6380"
MANAGED_REDIS_URL: str | None = None
#: Metrics and alerts for the in-cluster bus. None: none (the seed's manifests). A RedisMetrics: a redis_exporter
#: sidecar, a redis-metrics Service, a ServiceMonitor and a PrometheusRule (docs/operations.md, "Metrics and
#: alerts"). One line, e.g.
#:   REDIS_METRICS: RedisMetrics | None = RedisMetrics(monitor_labels={"release": "kube-prometheus-stack"})
REDIS_METRICS: RedisMetrics | None = None


def build(
    app: Construct, managed_redis_url: str | None = MANAGED_REDIS_URL, metrics: RedisMetrics | None = REDIS_METRICS
) -> RedisEndpoint:
    """Add agentsmith's charts to ``app`` and return the message bus endpoint.

    ``managed_redis_url``: default :data:`MANAGED_REDIS_URL`; ``metrics``: default
    :data:`REDIS_METRICS` (the in-cluster bus only). Either way clients read
    ``REDIS_URL`` from Secret ``agentsmith-secrets``, key ``redis-url``.
    """
    if managed_redis_url is not None and metrics is not None:
        raise AgentsmithConfigError(
            f"'REDIS_METRICS' needs the in-cluster bus (got {metrics!r} with MANAGED_REDIS_URL set). "
            "Monitor a managed Redis with its provider's metrics, or set MANAGED_REDIS_URL = None.",
            prop="REDIS_METRICS",
            value=metrics,
            path=None,
        )
    namespace_chart = cdk8s.Chart(app, NAMESPACE_CHART_ID, disable_resource_name_hashes=True)
    namespace = AgentsmithNamespace(namespace_chart, "namespace")
    chart = cdk8s.Chart(app, CHART_ID, namespace=namespace.name, disable_resource_name_hashes=True)
    chart.add_dependency(namespace_chart)
    if managed_redis_url is not None:
        return ExternalRedis(chart, "redis", url=managed_redis_url)
    return EphemeralRedis(chart, "redis", metrics=metrics)


def kustomization(files: list[str]) -> str:
    """``dist/kustomization.yaml``: every synthesised file, sorted; its first line marks a synth output."""
    lines = [
        MARKER,
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        "resources:",
        *(f"  - {name}" for name in sorted(files)),
    ]
    return "\n".join(lines) + "\n"


def _write(folder: Path) -> None:
    """Build the app and synthesise it into ``folder`` (which must not exist yet), plus ``kustomization.yaml``."""
    app = cdk8s.App(outdir=str(folder), yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
    build(app)
    app.synth()  # first runs the library's app-wide check: no two objects (or files) overwrite each other
    manifests = sorted(path.name for path in folder.iterdir())
    (folder / KUSTOMIZATION).write_text(kustomization(manifests), encoding="utf-8")


def stream(folder: Path) -> list[str]:
    """Write the app's manifests as one multi-document YAML file into ``folder`` (for `cdk8s synth --stdout`).

    Same app and checks as :func:`synth`; objects in cdk8s's order (charts by
    dependency, so the Namespace first), each document byte-identical to its
    file in ``dist/``. No ``kustomization.yaml``. Returns ``[STREAM_FILE]``.
    """
    app = cdk8s.App(outdir=str(folder), yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
    build(app)
    text = app.synth_yaml()  # runs the same validations as app.synth()
    partial = folder / f".{STREAM_FILE}.partial"  # not *.yaml: the CLI never prints a half-written file
    partial.write_text(text, encoding="utf-8")
    partial.replace(folder / STREAM_FILE)
    return [STREAM_FILE]


def is_cli_stdout(folder: Path) -> bool:
    """Whether cdk8s-cli runs the app for `cdk8s synth --stdout` with ``folder`` as ``$CDK8S_OUTDIR``.

    Only then is that folder an existing, empty ``cdk8s-XXXXXX`` folder: for
    `cdk8s synth` and `cdk8s synth -o X` the CLI deletes its folder before it
    starts the app (node_modules/cdk8s-cli/lib/cli/cmds/synth.js).
    """
    return folder.name.startswith(CLI_STDOUT_PREFIX) and folder.is_dir() and not any(folder.iterdir())


def one_line(error: BaseException) -> str:
    """The first line of ``error``'s message; for errors that cdk8s wrapped, the first error it lists."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    if lines[0].removeprefix("Error: ") == CDK8S_VALIDATION_HEADER and len(lines) > 1:
        more = len(lines) - 2
        return lines[1].removeprefix("[] ") + (f" (and {more} more: set AGENTSMITH_DEBUG=1)" if more else "")
    return lines[0]


#: A Node.js file-system error as jsii passes it on: "Error: ENOSPC: no space left on device, write"
#: or "EACCES: permission denied, open '/path'". Only the second names a path.
_NODE_FS_ERROR = re.compile(r"(?:Error: )?(E[A-Z]+): ([^,]+), \w+(?: '([^']*)')?")


def node_fs_error(message: str, folder: Path) -> str | None:
    """``cannot write <path>: <reason> (<CODE>)`` for a Node.js file-system error; ``folder`` if it names no path."""
    match = _NODE_FS_ERROR.match(message)
    if match is None:
        return None
    code, reason, path = match.groups()
    return f"cannot write {path or folder}: {reason} ({code})"


def synth(outdir: Path = DEFAULT_OUTDIR, *, source: str = "--outdir", copy_to: Path | None = None) -> list[str]:
    """Synthesise into ``outdir``, replacing it in one step only if everything succeeded.

    ``outdir`` must be missing, empty or a previous synth output, else
    ``AgentsmithConfigError`` names ``source`` (the setting that chose it).
    ``copy_to``: a second folder that gets the same files under the same rule
    (``cdk8s synth``'s scratch folder). Returns the sorted file names written
    (``kustomization.yaml`` included).
    """
    if copy_to is not None and copy_to.resolve() == outdir.resolve():
        copy_to = None
    if copy_to is not None:
        check_target(copy_to.resolve(), source="CDK8S_OUTDIR")  # refuse before anything is replaced
    files = publish(outdir, _write, source=source)
    if copy_to is not None:

        def write_copy(folder: Path) -> None:
            folder.mkdir()
            for name, data in files.items():
                (folder / name).write_bytes(data)

        publish(copy_to, write_copy, source="CDK8S_OUTDIR")
    return sorted(files)


def _interrupted(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # runs the clean-up in ``finally`` blocks, as SIGINT does


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--outdir", type=Path, help="output folder (default: $CDK8S_OUTDIR, else dist/ next to main.py)"
    )
    parser.add_argument(
        "--cdk8s-cli",
        metavar="SCRATCH",
        type=Path,
        help="set by cdk8s.yaml for `cdk8s synth`, SCRATCH being its `output`: when $CDK8S_OUTDIR is SCRATCH, "
        "write dist/ (or --outdir) and copy it into SCRATCH for the CLI to list; for `--stdout` (an empty "
        "cdk8s-XXXXXX $CDK8S_OUTDIR) write only the multi-document " + STREAM_FILE + " there; otherwise "
        "(`cdk8s synth -o X`) write only $CDK8S_OUTDIR",
    )
    args = parser.parse_args(argv)
    scratch = Path(os.environ["CDK8S_OUTDIR"]) if os.environ.get("CDK8S_OUTDIR") else None
    cli_scratch = args.cdk8s_cli is not None and scratch is not None and scratch.resolve() == args.cdk8s_cli.resolve()
    copy_to = scratch if cli_scratch else None
    cli_stdout = args.cdk8s_cli is not None and scratch is not None and not cli_scratch and is_cli_stdout(scratch)
    if cli_stdout and scratch is not None:
        outdir, source = scratch, "CDK8S_OUTDIR"
    elif args.outdir is not None:
        outdir, source = args.outdir, "--outdir"
    elif scratch is not None and not cli_scratch:
        outdir, source = scratch, "CDK8S_OUTDIR"
    else:
        outdir, source = DEFAULT_OUTDIR, "--outdir"
    on_main_thread = threading.current_thread() is threading.main_thread()  # only there can handlers be set
    previous = signal.signal(signal.SIGTERM, _interrupted) if on_main_thread else None
    try:
        files = stream(outdir) if cli_stdout else synth(outdir, source=source, copy_to=copy_to)
    except KeyboardInterrupt:
        print(f"error: interrupted; {outdir} is as before or completely updated", file=sys.stderr)
        return 130
    except SystemExit as exit_:
        print(f"error: terminated; {outdir} is as before or completely updated", file=sys.stderr)
        return int(exit_.code or 1)
    except OSError as error:  # no raw "[Errno N]": what failed, on which file
        if os.environ.get("AGENTSMITH_DEBUG"):
            raise
        print(f"error: cannot write {error.filename or outdir}: {error.strerror or error}", file=sys.stderr)
        return 1
    except Exception as error:  # one clear line, not a jsii traceback
        if os.environ.get("AGENTSMITH_DEBUG"):
            raise
        line = one_line(error)
        print(f"error: {node_fs_error(line, outdir) or line}", file=sys.stderr)
        return 1
    finally:
        if on_main_thread:
            signal.signal(signal.SIGTERM, previous)
    done = f"synthesised {STREAM_FILE} into {outdir}" if cli_stdout else f"synthesised {len(files)} files into {outdir}"
    # cdk8s-cli swallows the app's stdout and lists its scratch folder: say where dist/ went on stderr.
    print(
        done + (f" (copied to {copy_to} for cdk8s-cli)" if copy_to else ""), file=sys.stderr if copy_to else sys.stdout
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
