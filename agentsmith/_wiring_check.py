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

Secrets the app does not define (created with ``kubectl``, by an operator)
are not seen: a reference to a name no agentsmith construct publishes is left
alone. The check reads each workload's manifest once per synth (one jsii call),
and only in apps that publish a connection Secret.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import cdk8s
from constructs import Construct

from . import _collisions, _rules

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


#: Connection Secrets published by agentsmith constructs, and by whom.
_PUBLISHED: weakref.WeakKeyDictionary[cdk8s.ApiObject, _Publisher] = weakref.WeakKeyDictionary()


def published(secret: cdk8s.ApiObject, owner: Construct, *, client: bool = False) -> None:
    """Record ``secret`` as a connection Secret ``owner`` publishes (``client``: for another namespace)."""
    _PUBLISHED[secret] = _Publisher(owner, client)


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


def check_app(app: cdk8s.App) -> None:
    """Raise ``AgentsmithConfigError`` if a workload reads a connection Secret its namespace does not have."""
    objects = _collisions.objects(app)
    # Every Secret of the app by (namespace, name); the agentsmith connection Secrets by name.
    secrets = {(obj.namespace, obj.name) for obj in objects if obj.kind == "Secret" and obj.group == ""}
    homes: dict[str, list[tuple[str, _Publisher]]] = {}
    for obj in objects:
        publisher = _PUBLISHED.get(obj.api_object) if obj.kind == "Secret" else None
        if publisher is not None and not publisher.client:
            homes.setdefault(obj.name, []).append((obj.namespace, publisher))
    if not homes:
        return
    for obj in objects:
        if obj.kind not in _POD_SPEC_PATHS or _collisions.is_ours(obj.api_object):
            continue
        for where, name in _secret_refs(obj.api_object.to_json()):
            if name in homes and (obj.namespace, name) not in secrets:
                raise _missing(obj, where, name, homes[name])


def _missing(obj: _collisions.Object, where: str, name: str, homes: list[tuple[str, _Publisher]]) -> Exception:
    namespace, publisher = homes[0]
    owner = publisher.owner.node.path
    spaces = ", ".join(repr(ns) for ns in sorted({ns for ns, _ in homes}))
    if hasattr(publisher.owner, "client_namespaces"):  # EphemeralRedis: the Secret and its NetworkPolicy
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
    return _rules.fail(
        obj.path,
        where,
        name,
        f"reads Secret {name!r} in namespace {obj.namespace!r}, but [{owner}] publishes it in namespace "
        f"{spaces} only: a pod reads Secrets from its own namespace, so it would not start",
        fix,
    )
