"""App-wide check, before synthesis writes anything: no agentsmith object is overwritten or overwrites one.

It stays in its lane: only a clash that involves an object an agentsmith
construct created (:func:`mark`, called by ``_manifest.add_manifest``) is
refused. Two objects of the app's own that clash with each other (two
same-name ConfigMaps, say) are left to cdk8s, exactly as in an app without
agentsmith. Two clashes are refused, whichever charts (or plain
``cdk8s.ApiObject``\\ s, or cdk8s-plus objects) define the other object:

* the same API group, kind, namespace and name: one object would replace the
  other in the cluster (no namespace counts as ``default``; for cluster-scoped
  kinds the namespace is ignored);
* the same output file: with ``YamlOutputType.FILE_PER_RESOURCE`` cdk8s names
  each file ``Kind.name.k8s.yaml`` (characters outside ``[0-9a-zA-Z-_.]``
  dropped, no namespace), so same-named objects in two namespaces would share
  one file and the last would silently win. Compared case-insensitively, as a
  clone on macOS or Windows would store them. With
  ``FOLDER_PER_CHART_FILE_PER_RESOURCE`` the same holds within each chart.

Every app that uses agentsmith constructs runs the check on its own:
``add_manifest`` calls :func:`guard`, which adds it once per app as a construct
validation, and cdk8s runs an app's validations before it writes anything, in
``App.synth()`` (after creating the empty output folder), ``App.synth_yaml()``
and ``Chart.to_json()`` (so ``cdk8s.Testing.synth``).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

import cdk8s
import jsii
from constructs import IConstruct, IValidation

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
    def path(self) -> str:  # read through jsii only when an error needs it
        return self.api_object.node.path

    @property
    def where(self) -> str:
        return self.name if not self.namespace else f"{self.namespace}/{self.name}"


#: The ApiObjects agentsmith constructs created (jsii hands out one Python object per JavaScript object).
_OURS: weakref.WeakSet[cdk8s.ApiObject] = weakref.WeakSet()


def mark(api_object: cdk8s.ApiObject) -> None:
    """Record ``api_object`` as created by an agentsmith construct: :func:`check_app` guards it."""
    _OURS.add(api_object)


def is_ours(api_object: cdk8s.ApiObject) -> bool:
    """Whether an agentsmith construct created ``api_object``."""
    return api_object in _OURS


#: What :func:`_objects` read of each ApiObject. Kind, apiVersion, name, namespace and the closest
#: chart are fixed at construction, and cdk8s validates an app once per chart on every synth, so
#: later checks of an app read only what was added since.
_SEEN: weakref.WeakKeyDictionary[cdk8s.ApiObject, Object] = weakref.WeakKeyDictionary()
_CHART_PATHS: weakref.WeakKeyDictionary[cdk8s.ApiObject, str] = weakref.WeakKeyDictionary()


def _read(construct: cdk8s.ApiObject) -> Object:
    obj = _SEEN.get(construct)
    if obj is None:
        kind = construct.kind
        namespace = "" if kind in CLUSTER_SCOPED_KINDS else (construct.metadata.namespace or "default")
        group = construct.api_version.rpartition("/")[0]
        obj = _SEEN[construct] = Object(construct, group, kind, namespace, construct.name)
    return obj


def _chart_path(construct: cdk8s.ApiObject) -> str:
    path = _CHART_PATHS.get(construct)
    if path is None:
        path = _CHART_PATHS[construct] = cdk8s.Chart.of(construct).node.path
    return path


def _objects(app: cdk8s.App, *, per_chart: bool) -> dict[str, list[Object]]:
    """Every ApiObject of ``app``, by the path of its closest chart (where cdk8s writes it) if ``per_chart``."""
    charts: dict[str, list[Object]] = {}
    for construct in app.node.find_all():
        if not isinstance(construct, cdk8s.ApiObject):  # jsii proxies carry their class: no round trip
            continue
        charts.setdefault(_chart_path(construct) if per_chart else "", []).append(_read(construct))
    return charts


def objects(app: cdk8s.App) -> list[Object]:
    """Every ApiObject of ``app`` (cached reads; see :func:`_objects`)."""
    return [obj for group in _objects(app, per_chart=False).values() for obj in group]


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
    identities: dict[tuple[str, str, str, str], Object] = {}
    files: dict[str, Object] = {}
    for objects in _objects(app, per_chart=per_chart_files).values():
        if per_chart_files:
            files = {}
        for obj in objects:
            other = identities.setdefault((obj.group, obj.kind, obj.namespace, obj.name), obj)
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

        check_app(self._app)
        _wiring_check.check_app(self._app)
        return []


#: Apps that already run :func:`check_app` as a validation. jsii hands out one Python object per
#: JavaScript object, so an app is found by identity.
_GUARDED: weakref.WeakSet[IConstruct] = weakref.WeakSet()


def guard(scope: IConstruct) -> None:
    """Make ``scope``'s app run :func:`check_app` before it synthesises; once per app, idempotent.

    Nothing happens when the tree's root is not a ``cdk8s.App`` (cdk8s cannot synthesise it).
    """
    root = scope.node.root
    if root in _GUARDED or not isinstance(root, cdk8s.App):
        return
    root.node.add_validation(_AppCheck(root))
    _GUARDED.add(root)
