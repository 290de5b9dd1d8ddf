"""The README's two quick-start commands are the project's real entry points, and CI runs the same test command;
docs/operations.md's kube-prometheus-stack block runs."""

from __future__ import annotations

import re

from _support import ROOT

SETUP_AND_SYNTH = "bash tools/setup.sh && .venv/bin/python main.py"
TEST = "bash tools/test.sh"


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```bash\n(.*?)```", section, re.S)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_quick_start_is_two_commands() -> None:
    assert quick_start_commands() == [SETUP_AND_SYNTH, TEST]


def test_ci_runs_the_readme_test_command() -> None:
    commands = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert commands[-1] == TEST


def test_the_commands_name_files_that_exist() -> None:
    for path in ("tools/setup.sh", "tools/test.sh", "main.py", "DEVELOPMENT.md", "examples/consumer/test_main.py"):
        assert (ROOT / path).is_file(), path
    assert "[DEVELOPMENT.md](DEVELOPMENT.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def operations_block(heading: str) -> str:
    """The one ``python`` block of the docs/operations.md section under ``heading``."""
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1].split("\n#", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, re.S)
    return str(block)


def test_the_kube_prometheus_stack_scrapers_block_runs_and_admits_that_namespace() -> None:
    import cdk8s

    from agentsmith import DEFAULT_SCRAPERS
    from testkit.project import in_memory_app

    # GIVEN the documented block, run in a chart
    chart = cdk8s.Chart(in_memory_app(), "docs", namespace="agentsmith", disable_resource_name_hashes=True)
    scope: dict[str, object] = {"chart": chart}
    exec(compile(operations_block("#### The scrapers: kube-prometheus-stack"), "operations.md", "exec"), scope)
    objects = {(o["kind"], o["metadata"]["name"]): o for o in cdk8s.Testing.synth(chart)}
    # THEN the NetworkPolicy's metrics rule admits Prometheus pods of kube-prometheus-stack, on 9121 only
    rule = objects[("NetworkPolicy", "redis")]["spec"]["ingress"][1]
    assert rule == {
        "from": [
            {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-prometheus-stack"}},
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
            }
        ],
        "ports": [{"port": 9121, "protocol": "TCP"}],
    }
    # AND the only change from the default is the namespace; the monitors carry the release label
    (default,) = DEFAULT_SCRAPERS
    assert dict(default.pod_selector) == {"app.kubernetes.io/name": "prometheus"}
    assert dict(default.namespace_selector or {}) == {"kubernetes.io/metadata.name": "monitoring"}
    assert objects[("ServiceMonitor", "redis")]["metadata"]["labels"]["release"] == "kube-prometheus-stack"
