"""App-wide check at synth: no workload reads an agentsmith connection Secret that its namespace lacks.

A Secret is read from the pod's own namespace only. A worker in namespace
``jobs`` wired (``add_redis_url``, ``redis_url_env`` or by hand) to a bus whose
connection Secret is published in ``agentsmith`` would synthesise, apply, and
then never start (``CreateContainerConfigError``: secret not found). So, for
every workload of the app that no agentsmith construct created (Pod,
Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
CronJob), each ``env[].valueFrom.secretKeyRef`` and ``envFrom[].secretRef`` of
its containers that names a connection Secret an agentsmith construct
publishes (:func:`published`) must find a Secret of that name in the
workload's namespace, somewhere in the app. Else ``AgentsmithConfigError``
names the workload, both namespaces and the fix: ``client_namespaces`` on an
``EphemeralRedis`` (which also admits the namespace in its NetworkPolicy), or
a ``RedisConnectionSecret`` in the client's namespace.

When the workload's namespace has that Secret and an agentsmith construct
published it there with the URL of an ``EphemeralRedis`` in another namespace
(``RedisConnectionSecret(url=redis.cluster_url)``), that bus's NetworkPolicy
must admit the namespace (``client_namespaces``, or an ``allow_from`` peer
whose ``namespace_selector`` may match it), or the connections would time out.

Secrets the app does not define (created with ``kubectl``, by an operator)
are not seen: a reference to a name no agentsmith construct publishes is left
alone. The check reads each workload's manifest once per synth (one jsii call),
and only in apps that publish a connection Secret.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import cdk8s
from constructs import Construct, Node

from agentsmith.checks import collisions
from agentsmith.core import rules
from agentsmith.core.identity import IdentityMap


class Bus(Protocol):
    """What this check reads of a Redis whose URL a connection Secret holds (``EphemeralRedis`` provides it)."""

    @property
    def node(self) -> Node: ...

    @property
    def cluster_url(self) -> str: ...

    def admits_namespace(self, namespace: str) -> bool | None:
        """Whether its NetworkPolicy may admit pods of ``namespace``; None when it manages no NetworkPolicy."""


#: Kinds whose manifest holds a pod template, and where the pod spec is.
_POD_SPEC_PATHS: Mapping[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True)
class _Publisher:
    owner: Construct  # the construct that published the Secret (EphemeralRedis, ExternalRedis, ...)
    client: bool  # published for clients in another namespace (EphemeralRedis client_namespaces)
    host: str  # the host of the URL it holds, lowercase
    bus: Bus | None  # the in-cluster Redis that published it, if one did


#: Connection Secrets published by agentsmith constructs, and by whom.
_PUBLISHED: IdentityMap[cdk8s.ApiObject, _Publisher] = IdentityMap()


def published(
    secret: cdk8s.ApiObject, owner: Construct, url: str, *, client: bool = False, bus: Bus | None = None
) -> None:
    """Record ``secret`` as a connection Secret of ``url`` ``owner`` publishes.

    ``client``: a copy for another namespace; ``bus``: the in-cluster Redis publishing its own URL.
    """
    _PUBLISHED[secret] = _Publisher(owner, client, (urlsplit(url).hostname or "").lower(), bus)


def _dig(manifest: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(manifest, Mapping):
            return None
        manifest = manifest.get(key)
    return manifest


def _secret_refs(manifest: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """``(where, Secret name)`` for each Secret a workload's containers read env from."""
    spec = _dig(manifest, _POD_SPEC_PATHS[manifest.get("kind", "")])
    if not isinstance(spec, Mapping):
        return
    for field in _CONTAINER_LISTS:
        for container in spec.get(field) or ():
            name = container.get("name", "?")
            for env in container.get("env") or ():
                ref = _dig(env, ("valueFrom", "secretKeyRef", "name"))
                if isinstance(ref, str):
                    yield f"{field}[{name}].env[{env.get('name')}]", ref
            for env_from in container.get("envFrom") or ():
                ref = _dig(env_from, ("secretRef", "name"))
                if isinstance(ref, str):
                    yield f"{field}[{name}].envFrom", ref


def check_wiring(objects: Sequence[collisions.Object]) -> None:
    """Raise ``AgentsmithConfigError`` if a workload of ``objects`` (an app's) reads a connection Secret its
    namespace does not have."""
    # Every Secret of the app by (namespace, name), with its publisher if an agentsmith construct
    # published it; the namespaces each connection Secret is published in for its own namespace's clients.
    secrets: dict[tuple[str, str], _Publisher | None] = {}
    homes: dict[str, list[tuple[str, _Publisher]]] = {}
    for obj in objects:
        if obj.kind != "Secret" or obj.group != "":
            continue
        publisher = secrets[(obj.namespace, obj.name)] = _PUBLISHED.get(obj.api_object)
        if publisher is not None and not publisher.client:
            homes.setdefault(obj.name, []).append((obj.namespace, publisher))
    if not homes:
        return
    for obj in objects:
        if obj.kind not in _POD_SPEC_PATHS or collisions.is_ours(obj.api_object):
            continue
        for where, name in _secret_refs(obj.api_object.to_json()):
            if name not in homes:
                continue
            if (obj.namespace, name) not in secrets:
                raise _missing(obj, where, name, homes[name])
            publisher = secrets[(obj.namespace, name)]
            if publisher is not None and not publisher.client:
                _check_admitted(obj, where, name, publisher.host, homes[name])


def _check_admitted(
    obj: collisions.Object, where: str, name: str, host: str, homes: list[tuple[str, _Publisher]]
) -> None:
    """A Secret in the workload's namespace with the URL of an EphemeralRedis elsewhere: its policy must admit it."""
    for namespace, publisher in homes:
        bus = publisher.bus
        if namespace == obj.namespace or bus is None:
            continue
        admits = bus.admits_namespace(obj.namespace)
        if admits is None:
            continue  # no NetworkPolicy of ours
        fqdn = (urlsplit(bus.cluster_url).hostname or "").lower()
        if not (host == fqdn or ("." in host and fqdn.startswith(host + "."))):
            continue  # the Secret names another Redis
        if admits:
            return
        raise rules.fail(
            obj.path,
            where,
            name,
            f"reads Secret {name!r}, whose URL is the Redis of [{bus.node.path}] in namespace {namespace!r}, "
            f"but its NetworkPolicy does not admit pods of namespace {obj.namespace!r}: connections would time out",
            f"Pass client_namespaces=[{obj.namespace!r}] to [{bus.node.path}] (with "
            "access=RedisAccess.open(publish_connection_secret=False) when you publish the Secret yourself).",
        )


def _missing(obj: collisions.Object, where: str, name: str, homes: list[tuple[str, _Publisher]]) -> Exception:
    namespace, publisher = homes[0]
    owner = publisher.owner.node.path
    spaces = ", ".join(repr(ns) for ns in sorted({ns for ns, _ in homes}))
    if publisher.bus is not None:  # EphemeralRedis: the Secret and its NetworkPolicy
        fix = (
            f"Pass client_namespaces=[{obj.namespace!r}] to [{owner}] (it publishes the Secret in "
            f"{obj.namespace!r} and admits {obj.namespace!r} in its NetworkPolicy), "
            f"or run the workload in namespace {namespace!r}."
        )
    else:
        fix = (
            f"Publish it there too, e.g. RedisConnectionSecret(<a chart in {obj.namespace!r}>, 'redis-url', "
            f"url=bus.url, name={name!r}), or run the workload in namespace {namespace!r}."
        )
    return rules.fail(
        obj.path,
        where,
        name,
        f"reads Secret {name!r} in namespace {obj.namespace!r}, but [{owner}] publishes it in namespace "
        f"{spaces} only: a pod reads Secrets from its own namespace, so it would not start",
        fix,
    )
