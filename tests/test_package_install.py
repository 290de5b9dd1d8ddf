"""The library as another cdk8s app uses it: pip-installed, with no repository on the path."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

CONSUMER_APP = """
import importlib.util
import cdk8s
from agentsmith import EphemeralRedis

assert importlib.util.find_spec("imports") is None, "the repository's imports/ leaked onto the path"
assert "site-packages" in importlib.util.find_spec("agentsmith").origin, "agentsmith not from the wheel"

app = cdk8s.App(outdir="out", yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
chart = cdk8s.Chart(app, "consumer", namespace="jobs", disable_resource_name_hashes=True)
bus = EphemeralRedis(chart, "bus", name="bus", maxmemory="128mb")
print(bus.url, bus.fqdn)
app.synth()
"""


def test_consumer_app_synthesises_from_the_installed_wheel(installed_venv: Path, tmp_path: Path) -> None:
    # GIVEN a consumer cdk8s app in an empty folder, run by the fresh environment's python
    (tmp_path / "main.py").write_text(CONSUMER_APP, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"

    # WHEN it synthesises
    result = subprocess.run(
        [str(installed_venv), "main.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env
    )

    # THEN the consumer's props are in its own manifests
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis://bus:6379", "bus.jobs.svc.cluster.local"]
    deployment = yaml.safe_load((tmp_path / "out" / "Deployment.bus.k8s.yaml").read_text(encoding="utf-8"))
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert deployment["metadata"]["namespace"] == "jobs"
    assert container["args"][:2] == ["--maxmemory", "128mb"]
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": "bus"}
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "Deployment.bus.k8s.yaml",
        "NetworkPolicy.bus.k8s.yaml",
        "Secret.bus-connection.k8s.yaml",
        "Service.bus.k8s.yaml",
    ]


def test_installed_package_is_the_wheel_not_the_checkout(installed_venv: Path) -> None:
    result = subprocess.run(
        [str(installed_venv), "-c", "import agentsmith; print(agentsmith.__file__)"],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "/site-packages/agentsmith/" in result.stdout
    assert (Path(result.stdout.strip()).parent / "py.typed").is_file()
