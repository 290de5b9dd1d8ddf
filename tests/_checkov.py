"""checkov over five folders in one run: the app's defaults, a hardened example, the seed, and both with metrics.

Subprocesses and files only (it runs as a background job, see _background.py).
checkov runs offline: ``--skip-download`` and ``BC_SKIP_MAPPING``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from _background import JOB_ENV
from _support import ROOT

from agentsmith import RedisFilesystem

DIGEST = "sha256:" + "0123456789abcdef" * 4
#: EphemeralRedis with every opt-in hardening: digest, high UID, read-only root.
HARDENED = {"image": f"redis:7-alpine@{DIGEST}", "filesystem": RedisFilesystem.read_only(), "run_as_user": 10001}

#: The metrics sidecar with its image pinned by digest (with the hardened props).
HARDENED_EXPORTER = f"oliver006/redis_exporter:v1.67.0@{DIGEST}"

_APP = """
import sys, cdk8s
from agentsmith import EphemeralRedis, RedisFilesystem, RedisMetrics
app = cdk8s.App(outdir=sys.argv[1], yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
chart = cdk8s.Chart(app, "scanned", namespace="agentsmith", disable_resource_name_hashes=True)
EphemeralRedis(chart, "redis", **{props!r}, {metrics})
app.synth()
"""
#: Folder -> (EphemeralRedis props, metrics argument as source).
_APPS = {
    "hardened": (HARDENED, "metrics=None"),
    "metrics": ({}, "metrics=RedisMetrics()"),
    "hardened-metrics": (HARDENED, f"metrics=RedisMetrics(image={HARDENED_EXPORTER!r})"),
}


def checkov_command() -> str | None:
    binary = ROOT / ".venv-checkov" / "bin" / "checkov"
    return str(binary) if binary.exists() else shutil.which("checkov")


def _run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    kwargs.setdefault("env", dict(JOB_ENV))  # not os.environ: in-process tests change it meanwhile
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, **kwargs)


def _scan(report: dict[str, Any], folder: str) -> dict[str, Any]:
    def inside(check: dict[str, Any]) -> bool:
        return str(check["file_path"]).lstrip("/").startswith(f"{folder}/")

    results = report["results"]
    return {
        "passed": sum(1 for check in results["passed_checks"] if inside(check)),
        "failed": {check["check_id"] for check in results["failed_checks"] if inside(check)},
    }


def scan_with_checkov(base: Path, seed: dict[tuple[str, str], dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``{folder: {"passed": n, "failed": {ids}}}`` for defaults, seed and :data:`_APPS`; raises if a step fails."""
    command = checkov_command()
    if command is None:
        raise FileNotFoundError("checkov is not installed: run `bash tools/setup.sh` (it creates .venv-checkov)")
    scan_root, work = base / "scan", base / "work"
    scan_root.mkdir()
    synth = _run([sys.executable, str(ROOT / "main.py"), "--outdir", str(work / "defaults")])
    assert synth.returncode == 0, synth.stderr
    shutil.copytree(work / "defaults", scan_root / "defaults", ignore=shutil.ignore_patterns("kustomization.yaml"))
    for folder, (props, metrics) in _APPS.items():
        app = _run([sys.executable, "-c", _APP.format(props=props, metrics=metrics), str(scan_root / folder)])
        assert app.returncode == 0, app.stderr
    (scan_root / "seed").mkdir()
    (scan_root / "seed" / "seed.yaml").write_text(yaml.safe_dump_all(seed.values()), encoding="utf-8")
    checkov = [command, "--directory", str(scan_root), "--framework", "kubernetes", "--skip-download"]
    result = subprocess.run(
        [*checkov, "--output", "json", "--compact"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**JOB_ENV, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_NO_OUTPUT_RUN_ID": "1"},
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    return {folder: _scan(report, folder) for folder in ("defaults", "seed", *_APPS)}
