"""Objects that would overwrite each other: one key, checked at two moments.

Two objects with the same :func:`key` (API group, kind, namespace and name)
would be one object in the cluster: whichever is applied last replaces the
other, in ``dist/`` too. An agentsmith construct refuses to take part in such
a clash, whichever charts (or plain ``cdk8s.ApiObject``\\ s, or cdk8s-plus
objects) define the other object. It checks at two moments, with the same key,
because neither moment sees everything the other does:

* **At construction** (:func:`claim`, called by each construct before it
  creates anything): the objects it is about to create are compared with each
  other, with every object an agentsmith construct created in the app (any
  chart; :func:`mark` indexes them by app) and with the objects of the app's
  own defined directly in the construct's chart. The error names the
  construct's own prop (``name``, ``access.connection_secret``, ``metrics`` ...),
  which a check at synth cannot know, and nothing has been created yet.
  Nothing is reserved: a construct that fails half-way is removed from the
  tree (``_construct.checked_init``) with its objects, so there is nothing to
  release; the index may still hold them, and :func:`claim` reads the tree
  to tell them apart whenever one matches.
* **At synth** (:func:`check_app`, a construct validation :func:`guard` adds
  once per app): every object of the app, which also finds what construction
  does not look for: your objects created later, or in another chart, or
  deeper in the tree (inside your own constructs, cdk8s-plus objects), and a
  second kind of clash, the output file: with
  ``YamlOutputType.FILE_PER_RESOURCE`` cdk8s names each file
  ``Kind.name.k8s.yaml`` (characters outside ``[0-9a-zA-Z-_.]`` dropped, no
  namespace), so same-named objects in two namespaces would share one file and
  the last would silently win. Compared case-insensitively, as a clone on
  macOS or Windows would store them. With
  ``FOLDER_PER_CHART_FILE_PER_RESOURCE`` the same holds within each chart.

It stays in its lane: only a clash that involves an object an agentsmith
construct created (:func:`mark`, called by ``_manifest.add_manifest``) is
refused. Two objects of the app's own that clash with each other (two
same-name ConfigMaps, say) are left to cdk8s, exactly as in an app without
agentsmith. In a key, no namespace counts as ``default``, and cluster-scoped
kinds have none.

Every app that uses agentsmith constructs runs the synth check on its own:
``add_manifest`` calls :func:`guard`, which adds it once per app as a construct
validation, and cdk8s runs an app's validations before it writes anything, in
``App.synth()`` (after creating the empty output folder), ``App.synth_yaml()``
and ``Chart.to_json()`` (so ``cdk8s.Testing.synth``).

Why construction does not read the whole tree: jsii hands each construct
of ``node.find_all()`` to Python one by one (about 30-60 us each), so one read
per construct would make building N constructs cost O(N^2) (400 constructs
in one app took 8.0 s instead of 3.4 s). What construction reads grows with
the objects of the app's own in the chart only: ``Chart.api_objects`` is
filtered in Node.js, and agentsmith's objects are known from their
manifests, without a read back (:func:`key` makes both moments agree). The synth
check reads the whole tree once per validation (cdk8s validates the app once,
then again for each chart it renders), and each object's identity once per app.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import cdk8s
from constructs import Construct, IConstruct, Node

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
        owner = _OURS.get(self.api_object)
        return self.path if owner is None else owner.node.path


#: The ApiObjects agentsmith constructs created, with the construct that created each (jsii hands
#: out one Python object per JavaScript object).
_OURS: IdentityMap[cdk8s.ApiObject, Construct] = IdentityMap()

#: What :func:`_read` read of each ApiObject. Kind, apiVersion, name and namespace are fixed at
#: construction, so each object is read once however often the app is checked.
_SEEN: IdentityMap[cdk8s.ApiObject, Object] = IdentityMap()
_CHART_PATHS: IdentityMap[cdk8s.ApiObject, str] = IdentityMap()

#: The chart of each agentsmith construct, and the root and namespace ("" if none) of each chart, read
#: once: a construct never moves, and its claim and each of its objects need them (so do the other
#: constructs of the same chart).
_CHARTS: IdentityMap[IConstruct, cdk8s.Chart] = IdentityMap()
_ROOTS: IdentityMap[IConstruct, IConstruct] = IdentityMap()
_CHART_NAMESPACES: IdentityMap[IConstruct, str] = IdentityMap()
_CHART_LABELS: IdentityMap[IConstruct, Mapping[str, str]] = IdentityMap()
#: The apps' nodes and output types (set when an App is created, never changed), read once an app.
_NODES: IdentityMap[IConstruct, Node] = IdentityMap()
_OUTPUT_TYPES: IdentityMap[IConstruct, cdk8s.YamlOutputType] = IdentityMap()


def placed(construct: IConstruct, chart: cdk8s.Chart) -> None:
    """Record that ``construct`` is being created in ``chart``, so that its chart costs no round trip."""
    _CHARTS[construct] = chart


def _chart(construct: IConstruct) -> cdk8s.Chart:
    chart = _CHARTS.get(construct)
    if chart is None:
        chart = construct if isinstance(construct, cdk8s.Chart) else cdk8s.Chart.of(construct)
        _CHARTS[construct] = chart
    return chart


def tree_root(construct: IConstruct) -> IConstruct:
    """The root of ``construct``'s tree (its app), read once a chart."""
    chart = _CHARTS.get(construct)
    key = construct if chart is None else chart
    found = _ROOTS.get(key)
    if found is None:
        found = _ROOTS[key] = key.node.root
    return found


def chart_labels(construct: IConstruct) -> Mapping[str, str]:
    """The labels of ``construct``'s chart (a chart's labels are fixed when it is created), read once a chart."""
    chart = _chart(construct)
    labels = _CHART_LABELS.get(chart)
    if labels is None:
        labels = _CHART_LABELS[chart] = MappingProxyType(dict(chart.labels))
    return labels


def node(construct: IConstruct) -> Node:
    """``construct.node``, read once (the same Node for the construct's whole life)."""
    found = _NODES.get(construct)
    if found is None:
        found = _NODES[construct] = construct.node
    return found


def _chart_namespace(construct: IConstruct) -> str:
    chart = _chart(construct)
    namespace = _CHART_NAMESPACES.get(chart)
    if namespace is None:
        namespace = _CHART_NAMESPACES[chart] = chart.namespace or ""
    return namespace


#: The objects :func:`mark` saw, by app (the tree's root) and key: what :func:`claim` compares with
#: instead of reading the whole tree. A construct that failed half-way was removed from the tree
#: with its objects, but not from here: :func:`claim` reads the tree when one of these matches.
_INDEX: IdentityMap[IConstruct, dict[Key, list[cdk8s.ApiObject]]] = IdentityMap()


_MARKED = [0]


def mark(api_object: cdk8s.ApiObject, owner: Construct, manifest: Mapping[str, Any]) -> None:
    """Record ``api_object``, built from ``manifest``, as created by the agentsmith construct ``owner``.

    Both checks guard it. Its identity comes from the manifest and
    ``owner``'s chart, without reading the object back through jsii.
    """
    _OURS[api_object] = owner
    _MARKED[0] += 1
    kind, metadata = manifest["kind"], manifest["metadata"]
    group = manifest["apiVersion"].rpartition("/")[0]
    if group != _GROUPS.get(kind, ""):  # claims name the kind only: the table must agree with the manifests
        raise AssertionError(f"agentsmith: {kind} in API group {group!r}: add it to _collisions._GROUPS")
    namespace = metadata.get("namespace")
    if namespace is None and kind not in CLUSTER_SCOPED_KINDS:
        namespace = _chart_namespace(owner)  # cdk8s gives the object its chart's namespace
    _, _, namespace, name = key(group, kind, namespace, metadata["name"])
    obj = _SEEN[api_object] = Object(api_object, group, kind, namespace, name)
    _INDEX.setdefault(tree_root(owner), {}).setdefault(obj.key, []).append(api_object)


def marked() -> int:
    """How many objects :func:`mark` has recorded in this process (changes whenever an agentsmith object is added)."""
    return _MARKED[0]


def is_ours(api_object: cdk8s.ApiObject) -> bool:
    """Whether an agentsmith construct created ``api_object``."""
    return api_object in _OURS


def _read(construct: cdk8s.ApiObject) -> Object:
    obj = _SEEN.get(construct)
    if obj is None:
        kind = construct.kind
        group = construct.api_version.rpartition("/")[0]
        _, _, namespace, name = key(group, kind, construct.metadata.namespace, construct.name)
        obj = _SEEN[construct] = Object(construct, group, kind, namespace, name)
    return obj


def _chart_path(construct: cdk8s.ApiObject) -> str:
    path = _CHART_PATHS.get(construct)
    if path is None:
        path = _CHART_PATHS[construct] = cdk8s.Chart.of(construct).node.path
    return path


def _walk(root: IConstruct) -> list[Object]:
    """Every ApiObject under ``root`` (one jsii call, then cached reads; see :func:`_read`)."""
    return [
        _read(construct)
        for construct in node(root).find_all()
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
            namespace = _chart_namespace(owner)
        planned.append((prop, key(_GROUPS.get(kind, ""), kind, namespace, name)))
    if not planned:
        return
    root = tree_root(owner)
    ours = _INDEX.get(root, {})
    beside: dict[Key, Object] = {}
    for api_object in _chart(owner).api_objects:  # its direct children, filtered in Node.js: ours are deeper
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
            other = _SEEN[ours[planned_key][0]] if ours[planned_key] else None
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
    output = _OUTPUT_TYPES.get(app)
    if output is None:
        output = _OUTPUT_TYPES[app] = app.yaml_output_type
    per_app_files = output == cdk8s.YamlOutputType.FILE_PER_RESOURCE
    per_chart_files = output == cdk8s.YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE
    extension = app.output_file_extension if per_app_files or per_chart_files else ""  # only file names need it
    charts: dict[str, list[Object]] = {}
    for obj in found:
        charts.setdefault(_chart_path(obj.api_object) if per_chart_files else "", []).append(obj)
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
