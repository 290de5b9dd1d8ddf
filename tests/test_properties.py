"""Generated props either raise a clear AgentsmithConfigError or produce objects the cluster accepts.

For every generated ``(construct, props)`` (``testkit/generated_props.py``):

* rejected: ``AgentsmithConfigError`` only (never a TypeError or AttributeError),
  with a clear message (``testkit/messages.py``) that never repeats the password;
* accepted: every object passes strict schema validation (Kubernetes 1.27) and
  the API server's name, label, Secret key and quantity rules
  (``testkit/apiserver.py``), holds no password, and comes out of one
  ``kubectl kustomize`` run over all accepted objects, written by cdk8s's own
  YAML writer, unchanged.

Hypothesis runs derandomized, so CI sees the same examples every time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cdk8s
import pytest
from _support import examples, kustomize
from hypothesis import HealthCheck, given, settings

from agentsmith import AgentsmithConfigError
from testkit import schema as strict_schema
from testkit.apiserver import violations
from testkit.generated_props import PASSWORD, PROPS, build
from testkit.messages import unclear

#: 400 in the full profile (tools/test.sh, CI); a tenth in the fast loop.
EXAMPLES = examples(400)


@dataclass
class Generated:
    """The outcome of the generated props: a tally and the accepted objects by (kind, namespace, name)."""

    tally: dict[str, int] = field(default_factory=lambda: {"rejected": 0, "accepted": 0})
    accepted: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def generated() -> Generated:
    """Every generated example checked in process (the assertions run here, so Hypothesis shrinks a failure)."""
    outcome = Generated()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(PROPS)
    def check(drawn: tuple[str, dict[str, Any]]) -> None:
        construct, props = drawn
        try:
            objects = build(construct, props, namespace=f"p{len(outcome.accepted)}")
        except AgentsmithConfigError as error:
            outcome.tally["rejected"] += 1
            assert unclear(error, path=f"test/{construct}", secret=PASSWORD) == [], str(error)
            return
        outcome.tally["accepted"] += 1
        assert PASSWORD not in json.dumps(objects)
        for obj in objects:
            strict_schema.validate(obj)
            assert violations(obj) == [], (props, obj)
            metadata = obj["metadata"]
            outcome.accepted.setdefault((obj["kind"], metadata.get("namespace", ""), metadata["name"]), obj)

    check()
    return outcome


def test_generated_props_are_rejected_clearly_or_accepted_by_the_cluster(generated: Generated) -> None:
    # Every example passed the checks in `generated`; both outcomes were exercised, not only one
    tally = generated.tally
    assert tally["rejected"] > EXAMPLES // 10 and tally["accepted"] > EXAMPLES // 10, tally


@pytest.mark.subprocess  # kubectl kustomize
def test_accepted_generated_objects_come_out_of_kustomize_unchanged(generated: Generated, tmp_path: Path) -> None:
    # GIVEN the accepted objects, written by cdk8s's writer WHEN Kustomize reads and writes them THEN unchanged
    written = [cdk8s.Yaml.stringify(obj) for obj in generated.accepted.values()]
    built = kustomize(tmp_path / "generated", written)
    assert sorted(built, key=repr) == sorted(generated.accepted.values(), key=repr)
