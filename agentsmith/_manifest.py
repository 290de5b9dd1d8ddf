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

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import cdk8s
from constructs import Construct, IConstruct

from . import _collisions, _rules

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
    the app overwrites this one or is overwritten by it (``_collisions.guard``;
    the object is marked as agentsmith's, ``_collisions.mark``).
    """
    _collisions.guard(scope)
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
    _collisions.mark(api_object)
    return api_object


def metadata(name: str, *, namespace: str | None = None, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``metadata`` with only the fields that are set (no namespace: the chart's applies)."""
    result: dict[str, Any] = {"name": name}
    if namespace is not None:
        result["namespace"] = namespace
    if labels:
        result["labels"] = dict(labels)
    return result


#: Marks a cluster-scoped object (a Namespace) in claim keys.
CLUSTER = ""

_Key = tuple[str, str, str]  # kind, namespace (CLUSTER for cluster-scoped), name

#: Which construct path defined which (kind, namespace, name), per app (the construct tree's root).
_CLAIMS: weakref.WeakKeyDictionary[IConstruct, dict[_Key, object]] = weakref.WeakKeyDictionary()


def claim(owner: Construct, path: _rules.PathArg, objects: Sequence[tuple[str, str, str | None, str]]) -> None:
    """Reserve ``(prop, kind, namespace, name)`` objects across ``owner``'s whole app, or raise.

    Two objects of one kind with one name in one namespace would overwrite each
    other in the cluster (and in ``dist/``), whichever charts define them; this
    catches it at construction, before anything is created. ``namespace`` None
    means the chart's namespace (``default`` when the chart has none);
    ``CLUSTER`` marks a cluster-scoped object.
    """
    root = owner.node.root
    owners = _CLAIMS.get(root)
    if owners is None:
        owners = _CLAIMS[root] = {}
    keys: list[_Key] = []
    for prop, kind, namespace, name in objects:
        if namespace is None:
            namespace = cdk8s.Chart.of(owner).namespace or "default"
        key = (kind, namespace, name)
        other = owners.get(key)
        if other is not None or key in keys:
            where = f"{namespace}/{name}" if namespace != CLUSTER else name
            by = f"[{other}]" if other is not None else "this construct"
            raise _rules.fail(
                path,
                prop,
                name,
                f"names {kind} '{where}', which {by} already defines: one would overwrite the other",
                "Give one of them another name.",
            )
        keys.append(key)
    for key in keys:
        owners[key] = path


def release(owner: Construct) -> None:
    """Forget what ``owner`` claimed (it failed half-way and is being removed)."""
    owners = _CLAIMS.get(owner.node.root)
    if owners:
        for key in [
            key for key, path in owners.items() if isinstance(path, _rules.ConstructPath) and path.names(owner)
        ]:
            del owners[key]
