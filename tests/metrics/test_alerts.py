"""The synthesised alerting rules under Debian's promtool: `check rules` and the unit tests in tests/promtool/."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml
from _support import ROOT, in_memory_app, require_tool

from agentsmith import EphemeralRedis, RedisAccess, RedisMetrics
from agentsmith.metrics.alerts import ALERTS

pytestmark = pytest.mark.runtime

UNIT_TESTS = ROOT / "tests" / "promtool" / "redis_alerts_test.yaml"


def rule_file(namespace: str | None = "agentsmith", **props: Any) -> dict[str, Any]:
    """The PrometheusRule's ``spec`` of ``EphemeralRedis(chart, "redis", **props)``: a Prometheus rule file."""
    chart = cdk8s.Chart(in_memory_app(), "alerts", namespace=namespace, disable_resource_name_hashes=True)
    EphemeralRedis(chart, "redis", **{"metrics": RedisMetrics(), **props})
    (rule,) = [o for o in cdk8s.Testing.synth(chart) if o["kind"] == "PrometheusRule"]
    spec: dict[str, Any] = rule["spec"]
    return spec


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    tool = require_tool("promtool", "apt-get install prometheus (Debian; tools/setup.sh installs it)")
    return subprocess.run([tool, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


CONFIGS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "no-namespace": {"namespace": None},
    "auth-custom": {"maxmemory": "100mb", "metrics": RedisMetrics(memory_threshold=0.5, alert_after="5m")},
    "unguarded": {"access": RedisAccess.seed_exact()},
}


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_promtool_check_rules_passes(tmp_path: Path, config: str) -> None:
    props = dict(CONFIGS[config])
    namespace = props.pop("namespace", "agentsmith")
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rule_file(namespace, **props)), encoding="utf-8")
    result = promtool("check", "rules", "rules.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    expected = len(ALERTS) if config != "unguarded" else len(ALERTS) - 1  # no client budget without the guard
    assert f"SUCCESS: {expected} rules found" in result.stdout


def write_unit_tests(folder: Path, rules: dict[str, Any]) -> None:
    """The rule file and the unit tests, each expected alert given its rule's annotations where the case has none.

    promtool compares annotations too; they are static text (tests/metrics/test_metrics.py checks it), so the cases
    here state only labels and timing, except one that spells the annotations out.
    """
    (folder / "redis_alerts.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    annotations = {rule["alert"]: rule["annotations"] for group in rules["groups"] for rule in group["rules"]}
    document = yaml.safe_load(UNIT_TESTS.read_text(encoding="utf-8"))
    for test in document["tests"]:
        for case in test["alert_rule_test"]:
            for alert in case["exp_alerts"]:
                alert.setdefault("exp_annotations", annotations[case["alertname"]])
    (folder / UNIT_TESTS.name).write_text(yaml.safe_dump(document), encoding="utf-8")


def test_promtool_unit_tests_pass_on_the_synthesised_rules(tmp_path: Path) -> None:
    write_unit_tests(tmp_path, rule_file())
    result = promtool("test", "rules", UNIT_TESTS.name, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_unit_tests_fail_when_a_threshold_moves(tmp_path: Path) -> None:
    # The unit tests can fail: with the memory alert at 50% the "silent at 241591910 bytes" case fires.
    write_unit_tests(tmp_path, rule_file(metrics=RedisMetrics(memory_threshold=0.5)))
    result = promtool("test", "rules", UNIT_TESTS.name, cwd=tmp_path)
    assert result.returncode != 0
    assert "AgentsmithRedisMemoryHigh" in result.stdout + result.stderr


def test_unit_tests_cover_every_alert_firing_and_silent() -> None:
    document = yaml.safe_load(UNIT_TESTS.read_text(encoding="utf-8"))
    cases = [case for test in document["tests"] for case in test["alert_rule_test"]]
    firing = {case["alertname"] for case in cases if case["exp_alerts"]}
    silent = {case["alertname"] for case in cases if not case["exp_alerts"]}
    assert firing == silent == set(ALERTS)
