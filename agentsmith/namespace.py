"""AgentsmithNamespace: the namespace every agentsmith component runs in."""

from __future__ import annotations

from collections.abc import Mapping

import cdk8s
from constructs import Construct

from . import _manifest, _seed, _validate
from .pod_security import DEFAULT_POD_SECURITY, PodSecurity

__all__ = ["AgentsmithNamespace"]


class AgentsmithNamespace(Construct):
    """A Kubernetes ``Namespace`` for the Dispatcher, the agents and Redis.

    Put it in a chart *without* a namespace of its own: cdk8s stamps a chart's
    namespace on every object in it, Namespace objects included.

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
            namespace, ``labels`` or ``pod_security`` are invalid.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str = _seed.NAMESPACE,
        labels: Mapping[str, str] | None = None,
        pod_security: PodSecurity | None = DEFAULT_POD_SECURITY,
    ) -> None:
        super().__init__(scope, id)
        path = _validate.ConstructPath(self)
        #: The namespace's name, for ``EphemeralRedis(namespace=ns.name)`` and charts.
        self.name: str = _validate.own_namespace(path, name)
        self.pod_security: PodSecurity | None = _validate.pod_security(path, pod_security)
        security_labels = self.pod_security.labels() if self.pod_security else {}
        self.labels: dict[str, str] = {
            **_validate.labels(path, labels, reserved=tuple(PodSecurity().labels())),
            **security_labels,
        }
        _manifest.claim(self, path, [("name", "Namespace", _manifest.CLUSTER, self.name)])
        self.api_object: cdk8s.ApiObject = _manifest.add_manifest(
            self,
            "Resource",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": _manifest.metadata(self.name, labels=self.labels)},
        )
