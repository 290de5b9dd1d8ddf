"""Objects that would overwrite each other: one key, checked at construction (:func:`claim`) and at synth
(:func:`check_clashes`); docs/design.md, "Checked at synth: objects that would overwrite each other".

Only a clash that involves an object an agentsmith construct created (:func:`mark`) is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cdk8s
from constructs import Construct, IConstruct

from agentsmith.checks.tree import cache
from agentsmith.core import rules
from agentsmith.core.identity import IdentityMap

#: Kinds whose objects have no namespace (core and common cluster-scoped APIs).
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "CSIDriver",
        "CSINode",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PriorityClass",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
    }
)

#: The API group of each kind agentsmith constructs create outside the core group (``""``), for
#: :func:`claim`, whose callers give the kind only. :func:`mark` refuses a manifest that disagrees.
_GROUPS = {
    "Deployment": "apps",
    "NetworkPolicy": "networking.k8s.io",
    "PodDisruptionBudget": "policy",
    "ServiceMonitor": "monitoring.coreos.com",
    "PrometheusRule": "monitoring.coreos.com",
}

#: Marks a cluster-scoped object (a Namespace) in :func:`claim`.
CLUSTER = ""

Key = tuple[str, str, str, str]  # API group, kind, namespace ("" if cluster-scoped), name


def key(group: str, kind: str, namespace: str | None, name: str) -> Key:
    """The identity of an object in the cluster: no namespace counts as ``default``; cluster-scoped kinds have none."""
    return (group, kind, "" if kind in CLUSTER_SCOPED_KINDS else (namespace or "default"), name)


_UNSAFE_FILE_CHARACTERS = re.compile(r"[^0-9a-zA-Z\-_.]")


def file_name(kind: str, name: str, extension: str = ".k8s.yaml") -> str:
    """The file cdk8s writes an object to with one file per resource (cdk8s ``App.synth``)."""
    return _UNSAFE_FILE_CHARACTERS.sub("", f"{kind}.{name}") + extension


@dataclass(frozen=True)
class Object:
    api_object: cdk8s.ApiObject
    group: str
    kind: str
    namespace: str
    name: str

    @property
    def key(self) -> Key:
        return (self.group, self.kind, self.namespace, self.name)

    @property
    def path(self) -> str:  # read through jsii only when an error needs it
        return self.api_object.node.path

    @property
    def where(self) -> str:
        return self.name if not self.namespace else f"{self.namespace}/{self.name}"

    @property
    def defined_by(self) -> str:
        """The path of what defines it: the agentsmith construct that created it, else the object itself."""
        ours = _OURS.get(self.api_object)
        return self.path if ours is None else ours[0].node.path


#: The ApiObjects agentsmith constructs created: the construct that created each, and its identity from its
#: manifest (jsii hands out one Python object per JavaScript object).
_OURS: IdentityMap[cdk8s.ApiObject, tuple[Construct, Object]] = IdentityMap()

#: How many objects :func:`mark` recorded in this process.
_MARKED = [0]


def chart_labels(construct: IConstruct) -> Mapping[str, str]:
    """The labels of ``construct``'s chart."""
    return cache.chart_labels(construct)


#: The objects :func:`mark` saw, by app (the tree's root) and key: what :func:`claim` compares with
#: instead of reading the whole tree. A construct that failed half-way was removed from the tree
#: with its objects, but not from here: :func:`claim` reads the tree when one of these matches.
_INDEX: IdentityMap[IConstruct, dict[Key, list[cdk8s.ApiObject]]] = IdentityMap()


def mark(api_object: cdk8s.ApiObject, owner: Construct, manifest: Mapping[str, Any]) -> None:
    """Record ``api_object``, built from ``manifest``, as created by the agentsmith construct ``owner``.

    Both checks guard it. Its identity comes from the manifest and
    ``owner``'s chart, without reading the object back through jsii.
    """
    kind, metadata = manifest["kind"], manifest["metadata"]
    group = manifest["apiVersion"].rpartition("/")[0]
    if group != _GROUPS.get(kind, ""):  # claims name the kind only: the table must agree with the manifests
        raise AssertionError(f"agentsmith: {kind} in API group {group!r}: add it to _collisions._GROUPS")
    namespace = metadata.get("namespace")
    if namespace is None and kind not in CLUSTER_SCOPED_KINDS:
        namespace = cache.chart_namespace(owner)  # cdk8s gives the object its chart's namespace
    _, _, namespace, name = key(group, kind, namespace, metadata["name"])
    obj = Object(api_object, group, kind, namespace, name)
    _OURS[api_object] = (owner, obj)
    _MARKED[0] += 1
    _INDEX.setdefault(cache.root(owner), {}).setdefault(obj.key, []).append(api_object)


def marked() -> int:
    """How many objects :func:`mark` has recorded in this process (changes whenever an agentsmith object is added)."""
    return _MARKED[0]


def is_ours(api_object: cdk8s.ApiObject) -> bool:
    """Whether an agentsmith construct created ``api_object``."""
    return api_object in _OURS


def _read(api_object: cdk8s.ApiObject) -> Object:
    """The identity of ``api_object``: from its manifest if it is ours, else read through jsii."""
    ours = _OURS.get(api_object)
    if ours is not None:
        return ours[1]
    kind = api_object.kind
    group = api_object.api_version.rpartition("/")[0]
    _, _, namespace, name = key(group, kind, api_object.metadata.namespace, api_object.name)
    return Object(api_object, group, kind, namespace, name)


def _walk(root: IConstruct) -> list[Object]:
    """Every ApiObject under ``root`` (one jsii call for the list)."""
    return [
        _read(construct)
        for construct in root.node.find_all()
        if isinstance(construct, cdk8s.ApiObject)  # jsii proxies carry their class: no round trip
    ]


def objects(app: IConstruct) -> list[Object]:
    """Every ApiObject of ``app`` (one jsii call, then cached reads)."""
    return _walk(app)


# --- at construction -------------------------------------------------------------------------


def claim(owner: Construct, path: rules.PathArg, objects: Sequence[tuple[str, str, str | None, str]]) -> None:
    """Refuse ``(prop, kind, namespace, name)`` objects ``owner`` is about to create if one would overwrite another.

    Each is compared with every object an agentsmith construct created in
    ``owner``'s app (any chart), with the objects of the app's own defined
    directly in ``owner``'s chart, and with the others in ``objects``.
    ``namespace`` None means the chart's namespace (``default`` when the chart
    has none); ``CLUSTER`` marks a cluster-scoped object. Call it before
    creating anything; nothing is recorded.
    """
    planned: list[tuple[str, Key]] = []
    for prop, kind, namespace, name in objects:
        if namespace is None:
            namespace = cache.chart_namespace(owner)
        planned.append((prop, key(_GROUPS.get(kind, ""), kind, namespace, name)))
    if not planned:
        return
    root = cache.root(owner)
    ours = _INDEX.get(root, {})
    beside: dict[Key, Object] = {}
    for api_object in cache.chart(owner).api_objects:  # its direct children, filtered in Node.js: ours are deeper
        obj = _read(api_object)
        beside.setdefault(obj.key, obj)
    in_tree: set[int] | None = None  # ids: an object of the app's own may not be hashable
    mine: set[Key] = set()
    for prop, planned_key in planned:
        other = beside.get(planned_key)
        if other is None and planned_key in ours:
            if in_tree is None:  # rare: read the tree, to drop what a construct removed half-way left here
                in_tree = {id(obj.api_object) for obj in _walk(root)}
            ours[planned_key] = [api_object for api_object in ours[planned_key] if id(api_object) in in_tree]
            other = _OURS[ours[planned_key][0]][1] if ours[planned_key] else None
        if other is not None or planned_key in mine:
            _, kind, namespace, name = planned_key
            where = f"{namespace}/{name}" if namespace else name
            by = f"[{other.defined_by}]" if other is not None else "this construct"
            raise rules.fail(
                path,
                prop,
                name,
                f"names {kind} '{where}', which {by} already defines: one would overwrite the other",
                "Give one of them another name.",
            )
        mine.add(planned_key)


# --- at synth ----------------------------------------------------------------------------------


def check_clashes(app: cdk8s.App, found: Sequence[Object]) -> None:
    """Raise ``AgentsmithConfigError`` if an agentsmith object and another of ``app`` (``found``) would clash.

    A clash between two objects that no agentsmith construct created is not
    this check's business: cdk8s writes them as it would without agentsmith.
    The error names the prop (``metadata.name``), the name, both construct
    paths and the fix. Call it before ``app.synth()``: nothing is written then.
    """
    output = app.yaml_output_type
    per_app_files = output == cdk8s.YamlOutputType.FILE_PER_RESOURCE
    per_chart_files = output == cdk8s.YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE
    extension = app.output_file_extension if per_app_files or per_chart_files else ""  # only file names need it
    charts: dict[str, list[Object]] = {}
    for obj in found:
        charts.setdefault(cdk8s.Chart.of(obj.api_object).node.path if per_chart_files else "", []).append(obj)
    identities: dict[Key, Object] = {}
    files: dict[str, Object] = {}
    for chart_objects in charts.values():
        if per_chart_files:
            files = {}
        for obj in chart_objects:
            other = identities.setdefault(obj.key, obj)
            if other is not obj and _involves_ours(obj, other):
                raise rules.fail(
                    obj.path,
                    "metadata.name",
                    obj.name,
                    f"names {obj.kind} '{obj.where}', which [{other.path}] already defines: "
                    "one would overwrite the other in the cluster",
                    "Give one of them another name (or put them in different namespaces).",
                )
            if not (per_app_files or per_chart_files):
                continue
            file = file_name(obj.kind, obj.name, extension)
            other = files.setdefault(file.casefold(), obj)
            if other is not obj and _involves_ours(obj, other):
                raise rules.fail(
                    obj.path,
                    "metadata.name",
                    obj.name,
                    f"would be written to {file!r}, the file of {other.kind} '{other.where}' from "
                    f"[{other.path}]: cdk8s names each file Kind.name{extension} without the namespace, "
                    "so one file would overwrite the other",
                    "Give one of them another name.",
                )


def _involves_ours(obj: Object, other: Object) -> bool:
    return obj.api_object in _OURS or other.api_object in _OURS
