"""AgentsmithNamespace: the namespace every agentsmith component runs in."""

from __future__ import annotations

from collections.abc import Mapping

from cdk8s_plus_27 import k8s
from constructs import Construct

from . import _seed, _validate

__all__ = ["AgentsmithNamespace"]


class AgentsmithNamespace(Construct):
    """A Kubernetes ``Namespace`` for the Dispatcher, the agents and Redis.

    Put it in a chart *without* a namespace of its own: cdk8s stamps a chart's
    namespace on every object in it, Namespace objects included.

    Args:
        scope: the parent construct (a chart).
        id: construct id; part of the construct path, so keep it stable.
        name: the namespace's name. Default ``"agentsmith"`` (seed).
        labels: extra labels on the Namespace. Default: none.

    Raises:
        AgentsmithConfigError: ``name`` is not a DNS-1123 label or ``labels`` are invalid.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str = _seed.NAMESPACE,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        path = self.node.path
        #: The namespace's name, for ``EphemeralRedis(namespace=ns.name)`` and charts.
        self.name: str = _validate.dns_label(path, "name", name)
        self.labels: dict[str, str] = _validate.labels(path, labels, reserved=())
        self.api_object = k8s.KubeNamespace(
            self,
            "Resource",
            metadata=k8s.ObjectMeta(name=self.name, labels=self.labels or None),
        )
