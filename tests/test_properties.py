"""Generated props either raise a clear AgentsmithConfigError or produce objects the cluster accepts.

For every generated ``(construct, props)`` (``tests/_generated_props.py``):

* rejected: ``AgentsmithConfigError`` only (never a TypeError or AttributeError),
  with a clear message (``tests/_messages.py``) that never repeats the password;
* accepted: every object passes strict schema validation (Kubernetes 1.27) and
  the API server's name, label, Secret key and quantity rules
  (``tests/_apiserver.py``), holds no password, and comes out of one
  ``kubectl kustomize`` run over all accepted objects, written by cdk8s's own
  YAML writer, unchanged.

Hypothesis runs derandomized, so CI sees the same examples every time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cdk8s
import kubernetes_validate
from _apiserver import violations
from _generated_props import PASSWORD, PROPS, build
from _messages import unclear
from hypothesis import HealthCheck, given, settings
from test_kustomize import K8S_VERSION
from test_yaml_roundtrip import kustomize

from agentsmith import AgentsmithConfigError

EXAMPLES = 400


def test_generated_props_are_rejected_clearly_or_accepted_by_the_cluster(tmp_path: Path) -> None:
    accepted: dict[tuple[str, str, str], dict[str, Any]] = {}
    tally = {"rejected": 0, "accepted": 0}

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
            objects = build(construct, props, namespace=f"p{len(accepted)}")
        except AgentsmithConfigError as error:
            tally["rejected"] += 1
            assert unclear(error, path=f"test/{construct}", secret=PASSWORD) == [], str(error)
            return
        tally["accepted"] += 1
        assert PASSWORD not in json.dumps(objects)
        for obj in objects:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
            assert violations(obj) == [], (props, obj)
            metadata = obj["metadata"]
            accepted.setdefault((obj["kind"], metadata.get("namespace", ""), metadata["name"]), obj)

    check()
    # Both outcomes were exercised, not only one
    assert tally["rejected"] > EXAMPLES // 10 and tally["accepted"] > EXAMPLES // 10, tally
    # AND the accepted objects, written by cdk8s's writer, come out of Kustomize unchanged
    written = [cdk8s.Yaml.stringify(obj) for obj in accepted.values()]
    built = kustomize(tmp_path / "generated", written)
    assert sorted(built, key=repr) == sorted(accepted.values(), key=repr)
