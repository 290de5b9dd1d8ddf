"""App-wide check, before synthesis writes anything: no two objects overwrite each other.

Two clashes are refused, whichever charts (or plain ``cdk8s.ApiObject``\\ s)
define the objects:

* the same API group, kind, namespace and name: one object would replace the
  other in the cluster (no namespace counts as ``default``; for cluster-scoped
  kinds the namespace is ignored);
* the same output file: with ``YamlOutputType.FILE_PER_RESOURCE`` cdk8s names
  each file ``Kind.name.k8s.yaml`` (characters outside ``[0-9a-zA-Z-_.]``
  dropped, no namespace), so same-named objects in two namespaces would share
  one file and the last would silently win. Compared case-insensitively, as a
  clone on macOS or Windows would store them. With
  ``FOLDER_PER_CHART_FILE_PER_RESOURCE`` the same holds within each chart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cdk8s

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
class _Object:
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


def _objects(app: cdk8s.App, *, per_chart: bool) -> dict[str, list[_Object]]:
    """Every ApiObject of ``app``, by the path of its closest chart (where cdk8s writes it) if ``per_chart``."""
    charts: dict[str, list[_Object]] = {}
    for construct in app.node.find_all():
        if not isinstance(construct, cdk8s.ApiObject):  # jsii proxies carry their class: no round trip
            continue
        kind = construct.kind
        namespace = "" if kind in CLUSTER_SCOPED_KINDS else (construct.metadata.namespace or "default")
        group = construct.api_version.rpartition("/")[0]
        chart = cdk8s.Chart.of(construct).node.path if per_chart else ""
        charts.setdefault(chart, []).append(_Object(construct, group, kind, namespace, construct.name))
    return charts


def check_app(app: cdk8s.App) -> None:
    """Raise ``AgentsmithConfigError`` if two objects of ``app`` would overwrite each other.

    The error names the prop (``metadata.name``), the name, both construct
    paths and the fix. Call it before ``app.synth()``: nothing is written then.
    """
    output = app.yaml_output_type
    per_app_files = output == cdk8s.YamlOutputType.FILE_PER_RESOURCE
    per_chart_files = output == cdk8s.YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE
    extension = app.output_file_extension
    identities: dict[tuple[str, str, str, str], _Object] = {}
    files: dict[str, _Object] = {}
    for objects in _objects(app, per_chart=per_chart_files).values():
        if per_chart_files:
            files = {}
        for obj in objects:
            other = identities.setdefault((obj.group, obj.kind, obj.namespace, obj.name), obj)
            if other is not obj:
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
            if other is not obj:
                raise _rules.fail(
                    obj.path,
                    "metadata.name",
                    obj.name,
                    f"would be written to {file!r}, the file of {other.kind} '{other.where}' from "
                    f"[{other.path}]: cdk8s names each file Kind.name{extension} without the namespace, "
                    "so one file would overwrite the other",
                    "Give one of them another name.",
                )
