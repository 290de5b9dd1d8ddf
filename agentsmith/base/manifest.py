"""Add a plain-dict Kubernetes manifest to a construct tree in few jsii round trips.

Why not the typed L1 classes (``cdk8s_plus_27.k8s.KubeDeployment`` ...): every
struct they take is type-checked in Python on construction (``typing.get_type_hints``
per struct, dozens per Deployment), several values need their own round trip to
Node.js (``Quantity.fromString``, ``IntOrString.fromNumber``), and importing
``cdk8s_plus_27`` alone costs more than all of ``main.py``'s work. Here the
manifest is built as a dict and handed over as one ``cdk8s.ApiObject`` (one
round trip), one ``JsonPatch.add`` per top-level field after the header (one
round trip each) and one ``add_json_patch`` call for all of them (one round
trip); ``benchmarks/jsii_calls.py`` counts them.
The output is the same: tests validate every object strictly against the
Kubernetes 1.27 schema, and keys are sorted here as cdk8s sorts its own.
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
    """Define ``manifest`` as an ``ApiObject`` named ``id`` under ``scope``.

    ``metadata`` may hold ``name``, ``namespace`` and ``labels``; without a
    namespace the chart's applies, exactly as for L1 objects. The returned
    ``ApiObject`` takes further ``add_json_patch`` calls as usual. The first
    call for an app makes it check, at every synth, that no other object of
    the app overwrites this one or is overwritten by it (``checks.synth.guard``;
    the object is marked as ``scope``'s, ``collisions.mark``). The caller has
    checked its name first (``collisions.claim``).
    """
    synth.guard(scope)
    metadata = manifest["metadata"]
    api_object = cdk8s.ApiObject(
        scope,
        id,
        api_version=manifest["apiVersion"],
        kind=manifest["kind"],
        metadata=cdk8s.ApiObjectMetadata(
            name=metadata.get("name"), namespace=metadata.get("namespace"), labels=metadata.get("labels")
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
