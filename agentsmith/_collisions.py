"""Objects that would overwrite each other: one key, checked at two moments.

Two objects with the same :func:`key` (API group, kind, namespace and name)
would be one object in the cluster: whichever is applied last replaces the
other, in ``dist/`` too. An agentsmith construct refuses to take part in such
a clash, whichever charts (or plain ``cdk8s.ApiObject``\\ s, or cdk8s-plus
objects) define the other object. It checks at two moments, with the same key,
because neither moment sees everything the other does:

* **At construction** (:func:`claim`, called by each construct before it
  creates anything): the objects it is about to create are compared with every
  object already in the app's construct tree, and with each other. The error
  names the construct's own prop (``name``, ``connection_secret``,
  ``metrics`` ...), which a check at synth cannot know, and nothing has been
  created yet. Nothing is recorded: a construct that fails half-way is removed
  from the tree (``_construct.checked_init``) and its objects with it, so
  there is nothing to release.
* **At synth** (:func:`check_app`, a construct validation :func:`guard` adds
  once per app): every object of the app again, which also finds the objects
  added after the agentsmith construct (your own objects created later, in
  any chart), and a second kind of clash, the output file: with
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

Cost: both moments read the tree in one jsii call (``node.find_all()``) and
each object's identity once per app (cached); agentsmith's own objects are
known from their manifests without a read.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cdk8s
import jsii
from constructs import Construct, IConstruct, IValidation

from . import _rules

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
_OURS: weakref.WeakKeyDictionary[cdk8s.ApiObject, Construct] = weakref.WeakKeyDictionary()

#: What :func:`_read` read of each ApiObject. Kind, apiVersion, name and namespace are fixed at
#: construction, so each object is read once however often the app is checked.
_SEEN: weakref.WeakKeyDictionary[cdk8s.ApiObject, Object] = weakref.WeakKeyDictionary()
_CHART_PATHS: weakref.WeakKeyDictionary[cdk8s.ApiObject, str] = weakref.WeakKeyDictionary()

#: The root and the chart's namespace ("" if none) of each agentsmith construct, read once: a
#: construct never moves, and its claim and each of its objects need them.
_ROOTS: weakref.WeakKeyDictionary[IConstruct, IConstruct] = weakref.WeakKeyDictionary()
_CHART_NAMESPACES: weakref.WeakKeyDictionary[IConstruct, str] = weakref.WeakKeyDictionary()


def _root(construct: IConstruct) -> IConstruct:
    root = _ROOTS.get(construct)
    if root is None:
        root = _ROOTS[construct] = construct.node.root
    return root


def _chart_namespace(construct: IConstruct) -> str:
    namespace = _CHART_NAMESPACES.get(construct)
    if namespace is None:
        namespace = _CHART_NAMESPACES[construct] = cdk8s.Chart.of(construct).namespace or ""
    return namespace


def mark(api_object: cdk8s.ApiObject, owner: Construct, manifest: Mapping[str, Any]) -> None:
    """Record ``api_object``, built from ``manifest``, as created by the agentsmith construct ``owner``.

    Both checks guard it. Its identity comes from the manifest and
    ``owner``'s chart, without reading the object back through jsii.
    """
    _OURS[api_object] = owner
    kind, metadata = manifest["kind"], manifest["metadata"]
    group = manifest["apiVersion"].rpartition("/")[0]
    if group != _GROUPS.get(kind, ""):  # claims name the kind only: the table must agree with the manifests
        raise AssertionError(f"agentsmith: {kind} in API group {group!r}: add it to _collisions._GROUPS")
    namespace = metadata.get("namespace")
    if namespace is None and kind not in CLUSTER_SCOPED_KINDS:
        namespace = _chart_namespace(owner)  # cdk8s gives the object its chart's namespace
    _, _, namespace, name = key(group, kind, namespace, metadata["name"])
    _SEEN[api_object] = Object(api_object, group, kind, namespace, name)


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
        for construct in root.node.find_all()
        if isinstance(construct, cdk8s.ApiObject)  # jsii proxies carry their class: no round trip
    ]


#: The objects of the app being validated (:class:`_AppCheck`), so that the wiring check reads the tree once more
#: only when it runs on its own.
_VALIDATING: dict[cdk8s.App, list[Object]] = {}


def objects(app: cdk8s.App) -> list[Object]:
    """Every ApiObject of ``app``."""
    found = _VALIDATING.get(app)
    return _walk(app) if found is None else found


# --- at construction -------------------------------------------------------------------------


def claim(owner: Construct, path: _rules.PathArg, objects: Sequence[tuple[str, str, str | None, str]]) -> None:
    """Refuse ``(prop, kind, namespace, name)`` objects ``owner`` is about to create if one would overwrite another.

    Each is compared with every object already in ``owner``'s app (any chart,
    any construct) and with the others in ``objects``. ``namespace`` None
    means the chart's namespace (``default`` when the chart has none);
    ``CLUSTER`` marks a cluster-scoped object. Call it before creating
    anything; nothing is recorded.
    """
    planned: list[tuple[str, Key]] = []
    for prop, kind, namespace, name in objects:
        if namespace is None:
            namespace = _chart_namespace(owner)
        planned.append((prop, key(_GROUPS.get(kind, ""), kind, namespace, name)))
    if not planned:
        return
    existing: dict[Key, Object] = {}
    for obj in _walk(_root(owner)):
        existing.setdefault(obj.key, obj)
    mine: set[Key] = set()
    for prop, planned_key in planned:
        other = existing.get(planned_key)
        if other is not None or planned_key in mine:
            _, kind, namespace, name = planned_key
            where = f"{namespace}/{name}" if namespace else name
            by = f"[{other.defined_by}]" if other is not None else "this construct"
            raise _rules.fail(
                path,
                prop,
                name,
                f"names {kind} '{where}', which {by} already defines: one would overwrite the other",
                "Give one of them another name.",
            )
        mine.add(planned_key)


# --- at synth ----------------------------------------------------------------------------------


def check_app(app: cdk8s.App) -> None:
    """Raise ``AgentsmithConfigError`` if an agentsmith object and another object of ``app`` would overwrite each other.

    A clash between two objects that no agentsmith construct created is not
    this check's business: cdk8s writes them as it would without agentsmith.
    The error names the prop (``metadata.name``), the name, both construct
    paths and the fix. Call it before ``app.synth()``: nothing is written then.
    """
    output = app.yaml_output_type
    per_app_files = output == cdk8s.YamlOutputType.FILE_PER_RESOURCE
    per_chart_files = output == cdk8s.YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE
    extension = app.output_file_extension
    charts: dict[str, list[Object]] = {}
    for obj in objects(app):
        charts.setdefault(_chart_path(obj.api_object) if per_chart_files else "", []).append(obj)
    identities: dict[Key, Object] = {}
    files: dict[str, Object] = {}
    for chart_objects in charts.values():
        if per_chart_files:
            files = {}
        for obj in chart_objects:
            other = identities.setdefault(obj.key, obj)
            if other is not obj and _involves_ours(obj, other):
                raise _rules.fail(
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
                raise _rules.fail(
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


@jsii.implements(IValidation)
class _AppCheck:
    """The construct validation that runs :func:`check_app` on an app at every synth."""

    def __init__(self, app: cdk8s.App) -> None:
        self._app = app  # jsii keeps every object it has seen alive anyway: a plain reference costs nothing

    def validate(self) -> list[str]:
        """Raise ``AgentsmithConfigError`` on a clash (no error list).

        Raised, not returned: cdk8s would print a returned error as
        ``Validation failed with the following errors:`` plus ``[] <message>``
        (the app's path is empty) on a second line. A raised one reaches the
        caller of ``synth()`` as ``RuntimeError`` with this message only, one
        line naming both construct paths and the fix. Then the wiring check
        (``_wiring_check``: no workload reads a connection Secret its namespace lacks).
        """
        from . import _wiring_check  # it builds on this module

        _VALIDATING[self._app] = _walk(self._app)  # one read of the tree for both checks
        try:
            check_app(self._app)
            _wiring_check.check_app(self._app)
        finally:
            del _VALIDATING[self._app]
        return []


#: Apps that already run :func:`check_app` as a validation. jsii hands out one Python object per
#: JavaScript object, so an app is found by identity.
_GUARDED: weakref.WeakSet[IConstruct] = weakref.WeakSet()


def guard(scope: IConstruct) -> None:
    """Make ``scope``'s app run :func:`check_app` before it synthesises; once per app, idempotent.

    Nothing happens when the tree's root is not a ``cdk8s.App`` (cdk8s cannot synthesise it).
    """
    root = _root(scope)
    if root in _GUARDED or not isinstance(root, cdk8s.App):
        return
    root.node.add_validation(_AppCheck(root))
    _GUARDED.add(root)
