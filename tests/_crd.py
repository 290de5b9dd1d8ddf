"""Validate objects against the prometheus-operator CRDs in tests/data/crds/, offline and strictly.

The API server prunes fields a structural schema does not declare, silently: a
typo in a ServiceMonitor (``intervall``) would apply and then do nothing. So the
check here is stricter than plain JSON Schema: every object schema that lists
``properties`` (and does not set ``x-kubernetes-preserve-unknown-fields``) gets
``additionalProperties: false``, and ``int-or-string`` fields take both.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

CRDS = Path(__file__).resolve().parent / "data" / "crds" / "prometheus-operator-v0.93.0"
_FILES = {
    "ServiceMonitor": "monitoring.coreos.com_servicemonitors.yaml",
    "PrometheusRule": "monitoring.coreos.com_prometheusrules.yaml",
}


def _strict(schema: Any) -> Any:
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items()}
        if schema.get("x-kubernetes-int-or-string"):
            schema.pop("type", None)
            schema["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        if "properties" in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema.setdefault("additionalProperties", False)
        return schema
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


@cache
def schema(kind: str) -> dict[str, Any]:
    """The strict ``openAPIV3Schema`` of ``kind``'s ``v1`` version."""
    # libyaml's loader when PyYAML has it (the same safe types, several times faster on these files).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    crd = yaml.load((CRDS / _FILES[kind]).read_text(encoding="utf-8"), Loader=loader)
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    strict: dict[str, Any] = _strict(copy.deepcopy(version["schema"]["openAPIV3Schema"]))
    # metadata is the API server's ObjectMeta, not part of the CRD's schema.
    strict["properties"]["metadata"] = {"type": "object"}
    return strict


def errors(document: dict[str, Any]) -> list[str]:
    """Every schema violation of ``document`` (a ServiceMonitor or PrometheusRule), as readable lines."""
    assert document["apiVersion"] == "monitoring.coreos.com/v1", document["apiVersion"]
    validator = jsonschema.Draft7Validator(schema(document["kind"]))
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document))
