"""AgentsmithNamespace: the namespace every agentsmith component runs in."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import cdk8s
from constructs import Construct

from . import _collisions, _manifest, _seed
from ._construct import checked_init, public_signature, read_only
from ._rules import ConstructPath, PathArg, dns_label, fail
from ._rules import labels as check_labels
from .pod_security import DEFAULT_POD_SECURITY, PodSecurity

__all__ = ["AgentsmithNamespace"]

_SYSTEM_NAMESPACE_PREFIX = "kube-"
#: Namespaces every cluster has; ``kube-*`` is reserved for Kubernetes as a whole.
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


@public_signature
@read_only
class AgentsmithNamespace(Construct):
    """A Kubernetes ``Namespace`` for the Dispatcher, the agents and Redis.

    It works in a chart without a namespace and in the common cdk8s layout,
    one chart with ``namespace=`` holding the Namespace and the workloads:
    cdk8s stamps a chart's namespace on every object in it, cluster-scoped
    ones included, so this construct removes ``metadata.namespace`` from its
    Namespace object again (a JSON patch on that object only). The chart's
    namespace must then be this namespace's ``name``.

    Args:
        scope: the parent construct (a chart).
        id: construct id; part of the construct path, so keep it stable.
        name: the namespace's name. Default ``"agentsmith"`` (seed). Not a
            system namespace (``default``, ``kube-*``): applying this object
            would relabel it.
        labels: extra labels on the Namespace. Default: none. They may not set
            the ``pod-security.kubernetes.io/*`` keys; use ``pod_security``.
        pod_security: Pod Security Admission levels. Default
            :data:`DEFAULT_POD_SECURITY`: enforce ``baseline``, warn and audit
            ``restricted``, pinned to ``v1.27`` (see :class:`PodSecurity` for
            why). ``None`` sets no labels (the cluster's default applies).

    Raises:
        AgentsmithConfigError: ``name`` is not a DNS-1123 label or is a system
            namespace, ``labels`` or ``pod_security`` are invalid, or the
            chart's namespace is another namespace (prop ``name``).
    """

    @checked_init
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str = _seed.NAMESPACE,
        labels: Mapping[str, str] | None = None,
        pod_security: PodSecurity | None = DEFAULT_POD_SECURITY,
    ) -> None:
        path = ConstructPath(scope, id)
        # Props first: a bad one leaves the tree untouched.
        #: The namespace's name, for ``EphemeralRedis(namespace=ns.name)`` and charts.
        self.name: Final[str] = _own_namespace(path, name)
        self.pod_security: Final[PodSecurity | None] = PodSecurity._check(path, pod_security)
        security_labels = self.pod_security.labels() if self.pod_security else {}
        #: The Namespace's labels (read-only): ``labels`` plus the Pod Security ones.
        self.labels: Final[Mapping[str, str]] = MappingProxyType(
            {**check_labels(path, labels, reserved=tuple(PodSecurity().labels())), **security_labels}
        )
        super().__init__(scope, id)
        chart_namespace = cdk8s.Chart.of(self).namespace
        if chart_namespace and chart_namespace != self.name:
            raise fail(
                path,
                "name",
                self.name,
                f"differs from the namespace of its chart ({chart_namespace!r}): the chart's other objects "
                "would go to a namespace this construct does not create",
                f"Use name={chart_namespace!r}, or create the chart with namespace={self.name!r}.",
            )
        _collisions.claim(self, path, [("name", "Namespace", _collisions.CLUSTER, self.name)])
        #: The Namespace object (``add_json_patch`` on it is the escape hatch).
        self.api_object: Final[cdk8s.ApiObject] = _manifest.add_manifest(
            self,
            "Namespace",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": _manifest.metadata(self.name, labels=self.labels)},
        )
        if chart_namespace:
            # A Namespace is cluster-scoped: drop what the chart stamped on it.
            self.api_object.add_json_patch(cdk8s.JsonPatch.remove("/metadata/namespace"))


def _own_namespace(path: PathArg, value: object) -> str:
    """An AgentsmithNamespace name: a DNS-1123 label that is not a system namespace.

    Applying a Namespace object named ``kube-system`` or ``default`` would not
    create anything: it would relabel the existing namespace (Pod Security
    levels included) and ``kubectl delete -k`` would try to delete it.
    """
    name = dns_label(path, "name", value, example="agentsmith")
    if name in SYSTEM_NAMESPACES or name.startswith(_SYSTEM_NAMESPACE_PREFIX):
        raise fail(
            path,
            "name",
            name,
            "must not be a system namespace (default, kube-*): applying it would relabel that namespace "
            "and deleting the app would delete it",
            "Use a namespace of its own such as 'agentsmith'; to deploy into an existing namespace, leave "
            "AgentsmithNamespace out and pass namespace=... to the other constructs.",
        )
    return name
