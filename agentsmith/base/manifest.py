"""Add a plain-dict manifest to a construct tree as one ``cdk8s.ApiObject``, in few jsii round trips.

Why not the typed L1 classes: DEVELOPMENT.md, "Why the code is shaped so".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cdk8s
from constructs import Construct

from agentsmith.checks import collisions, synth

_HEADER = ("apiVersion", "kind", "metadata")


def _sorted(value: Any) -> Any:
    """Deep copy with mapping keys sorted, as cdk8s writes its own fields."""
    if isinstance(value, Mapping):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [_sorted(item) for item in value]
    return value


def add_manifest(scope: Construct, id: str, manifest: Mapping[str, Any]) -> cdk8s.ApiObject:
    """Define ``manifest`` as an ``ApiObject`` named ``id`` under ``scope``; its name was claimed first.

    Without ``metadata.namespace`` the chart's applies. The object is marked as ``scope``'s for the checks,
    and the app is made to run them at synth (``checks.synth.guard``).
    """
    synth.guard(scope)
    metadata = manifest["metadata"]
    api_object = cdk8s.ApiObject(
        scope,
        id,
        api_version=manifest["apiVersion"],
        kind=manifest["kind"],
        metadata=cdk8s.ApiObjectMetadata(
            name=metadata.get("name"),
            namespace=metadata.get("namespace"),
            labels=metadata.get("labels"),
            annotations=metadata.get("annotations"),
        ),
    )
    body = [cdk8s.JsonPatch.add(f"/{key}", _sorted(manifest[key])) for key in sorted(manifest) if key not in _HEADER]
    if body:
        api_object.add_json_patch(*body)
    collisions.mark(api_object, scope, manifest)
    return api_object


def metadata(name: str, *, namespace: str | None = None, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``metadata`` with only the fields that are set (no namespace: the chart's applies)."""
    result: dict[str, Any] = {"name": name}
    if namespace is not None:
        result["namespace"] = namespace
    if labels:
        result["labels"] = dict(labels)
    return result
