"""``agentsmith check-overlay``: check a Kustomize build of the bus for overlays that break its wiring silently.

    agentsmith-check-overlay k8s/overlays/prod              # runs `kubectl kustomize` on the folder
    kubectl kustomize k8s/overlays/prod | python -m agentsmith check-overlay -

Exit 0 and ``ok`` when nothing is found; otherwise exit 1 and one line per problem, naming the object and the
fix; exit 2 on a usage or build error. It reads the objects, not the overlay, so it works on any build of
``EphemeralRedis`` manifests. The bus is what carries ``app.kubernetes.io/component: message-bus``: its
Deployment, Service and NetworkPolicy. What it checks (docs/operations.md, "Kustomize overlays"):

* the Deployment has one replica;
* a bus Service selects the Redis pod (its selector is part of the pod template's labels);
* the bus NetworkPolicy selects the Redis pod (else Redis is open to every namespace) and, on Redis's port,
  admits the namespaces where a ``redis-url`` for the bus is published (as far as the build shows their labels);
* one port everywhere: redis-server's ``--port`` (6379 without one), the Redis container's ``containerPort``,
  the probes' ``redis-cli -p``, the Service's ``targetPort`` (a number or the container port's name), the
  NetworkPolicy's port and the port of each ``redis-url`` naming the Service (its ``port``);
* a ``redis-url``'s in-cluster host names a Service of the build (``namePrefix``/``nameSuffix``);
* each container's securityContext is still restricted (runAsNonRoot, allowPrivilegeEscalation false,
  capabilities drop ALL, seccomp RuntimeDefault or Localhost, at pod or container level where both exist);
* no peer selector requires a label the policy itself carries (``commonLabels``).

It imports no construct (only ``agentsmith.core``); YAML is read by cdk8s's own reader (``cdk8s.Yaml``), so
the wheel needs nothing it does not already bring.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import cdk8s

from agentsmith.core import seed
from agentsmith.core.rules import NAMESPACE_NAME_LABEL

__all__ = ["main", "problems", "read_build"]

COMPONENT = (seed.COMPONENT_LABEL_KEY, seed.COMPONENT_MESSAGE_BUS)
URL_KEY = seed.SECRET_KEY_REDIS_URL
#: The label Kubernetes sets on every Namespace: its name.
USAGE = "usage: agentsmith check-overlay KUSTOMIZATION_DIR | -"
SUMMARY = "check a Kustomize build of the bus: replicas, selectors, ports, NetworkPolicy, securityContexts, redis-url"

Object = dict[str, Any]


def _meta(obj: Object) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _spec(obj: Object) -> dict[str, Any]:
    spec = obj.get("spec")
    return spec if isinstance(spec, dict) else {}


def _labels(obj: Object) -> dict[str, str]:
    return dict(_meta(obj).get("labels") or {})


def _is_bus(obj: Object) -> bool:
    return _labels(obj).get(COMPONENT[0]) == COMPONENT[1]


def _where(obj: Object) -> str:
    meta = _meta(obj)
    return f"{obj.get('kind')} {meta.get('namespace') or '-'}/{meta.get('name')}"


def _urls(secret: Object) -> Iterator[str]:
    if URL_KEY in (secret.get("stringData") or {}):
        yield str(secret["stringData"][URL_KEY])
    if URL_KEY in (secret.get("data") or {}):
        yield base64.b64decode(secret["data"][URL_KEY]).decode("utf-8", "replace")


def _service_of(host: str, namespace: str | None) -> tuple[str | None, str] | None:
    """(namespace, service) an in-cluster host names: ``redis`` or ``redis.ns[.svc[.cluster.local]]``; else None."""
    parts = host.split(".")
    if len(parts) == 1:
        return namespace, parts[0]
    if len(parts) == 2 or (len(parts) >= 3 and parts[2] == "svc"):
        return parts[1], parts[0]
    return None  # an external host


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str], *, known: bool = True) -> bool | None:
    """Whether a LabelSelector (``matchLabels``/``matchExpressions``) selects ``labels``.

    ``known=False``: ``labels`` may be incomplete (a namespace not in the build), so a requirement on a key it
    lacks is undecided: the answer is None unless another requirement already fails.
    """
    undecided = False
    requirements = [(key, "In", [value]) for key, value in ((selector or {}).get("matchLabels") or {}).items()]
    requirements += [
        (str(e.get("key")), str(e.get("operator")), list(e.get("values") or []))
        for e in (selector or {}).get("matchExpressions") or []
    ]
    for key, operator, values in requirements:
        if key not in labels and not known:
            undecided = True
            continue
        present, value = key in labels, labels.get(key)
        met = {
            "In": present and value in values,
            "NotIn": not present or value not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }.get(operator, False)
        if not met:
            return False
    return None if undecided else True


@dataclass(frozen=True)
class _Bus:
    """One bus Deployment as the checks read it."""

    deployment: Object
    namespace: str | None
    pod_labels: dict[str, str]
    pod_spec: dict[str, Any]
    redis: dict[str, Any]  # the Redis container: the first (EphemeralRedis writes it first)
    port: int  # where redis-server listens: its last --port, else 6379

    @property
    def where(self) -> str:
        return _where(self.deployment)

    def port_names(self) -> set[str]:
        """The names of the Redis container's ports that are Redis's port."""
        return {
            str(p["name"]) for p in self.redis.get("ports") or [] if p.get("containerPort") == self.port and "name" in p
        }


def _redis_port(args: Sequence[object]) -> int:
    port = seed.REDIS_PORT
    for index, arg in enumerate(args[:-1]):
        if arg == "--port":
            try:
                port = int(str(args[index + 1]))
            except ValueError:
                continue
    return port


def _buses(objects: Iterable[Object]) -> list[_Bus]:
    found = []
    for obj in objects:
        if obj.get("kind") != "Deployment" or not _is_bus(obj):
            continue
        template = _spec(obj).get("template") or {}
        pod_spec = template.get("spec") or {}
        containers = pod_spec.get("containers") or [{}]
        redis = containers[0]
        found.append(
            _Bus(
                deployment=obj,
                namespace=_meta(obj).get("namespace"),
                pod_labels=dict((template.get("metadata") or {}).get("labels") or {}),
                pod_spec=pod_spec,
                redis=redis,
                port=_redis_port(redis.get("args") or []),
            )
        )
    return found


def _replicas(bus: _Bus) -> list[str]:
    replicas = _spec(bus.deployment).get("replicas", 1)
    if replicas == 1:
        return []
    return [
        f"{bus.where}: replicas {replicas}; Redis is one bus per Deployment, each replica an empty one "
        "(keep 1; for high availability use ExternalRedis with a managed Redis)"
    ]


def _container_ports(bus: _Bus) -> list[str]:
    ports = [p.get("containerPort") for p in bus.redis.get("ports") or []]
    found = []
    if bus.port not in ports:
        found.append(
            f"{bus.where}: container {bus.redis.get('name')} has containerPort {', '.join(map(str, ports)) or 'none'} "
            f"but redis-server listens on {bus.port} (--port): set both to one port (EphemeralRedis(port=...))"
        )
    for probe in ("livenessProbe", "readinessProbe"):
        command = " ".join(str(c) for c in ((bus.redis.get(probe) or {}).get("exec") or {}).get("command") or [])
        if "redis-cli" not in command:
            continue
        match = re.search(r"redis-cli\b[^;|)]*?\s-p\s+'?(\d+)", command)
        asked = int(match.group(1)) if match else seed.REDIS_PORT
        if asked != bus.port:
            found.append(
                f"{bus.where}: the {probe} asks redis-cli on port {asked} but redis-server listens on {bus.port}: "
                "the probe fails and the kubelet restarts Redis; change the port with EphemeralRedis(port=...)"
            )
    return found


_RESTRICTED_FIX = (
    "restore the securityContexts EphemeralRedis writes (the Namespace enforces only baseline, which admits this pod; "
    "Pod Security 'restricted' refuses it)"
)


def _security(bus: _Bus) -> list[str]:
    pod = bus.pod_spec.get("securityContext") or {}
    found = []
    for container in bus.pod_spec.get("containers") or []:
        own = container.get("securityContext") or {}
        missing = []
        if own.get("runAsNonRoot", pod.get("runAsNonRoot")) is not True:
            missing.append("runAsNonRoot: true")
        if own.get("runAsUser", pod.get("runAsUser")) == 0:
            missing.append("a runAsUser other than 0")
        if own.get("privileged") is True:
            missing.append("privileged unset or false")
        if own.get("allowPrivilegeEscalation") is not False:
            missing.append("allowPrivilegeEscalation: false")
        capabilities = own.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            missing.append("capabilities.drop [ALL]")
        if set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}:
            missing.append("no capabilities.add but NET_BIND_SERVICE")
        seccomp = (own.get("seccompProfile") or pod.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            missing.append("seccompProfile RuntimeDefault")
        if missing:
            found.append(
                f"{bus.where}: container {container.get('name')} is no longer restricted: it needs "
                f"{', '.join(missing)}; {_RESTRICTED_FIX}"
            )
    return found


def _service_port(service: Object) -> dict[str, Any]:
    ports = _spec(service).get("ports") or [{}]
    named = [p for p in ports if p.get("name") == seed.REDIS_PORT_NAME]
    port: dict[str, Any] = (named or ports)[0]
    return port


def _services(objects: Sequence[Object], buses: Sequence[_Bus]) -> list[str]:
    found = []
    for service in objects:
        if service.get("kind") != "Service" or not _is_bus(service):
            continue
        namespace = _meta(service).get("namespace")
        selector = _spec(service).get("selector") or {}
        mine = [
            b
            for b in buses
            if b.namespace == namespace and selector and selects({"matchLabels": selector}, b.pod_labels)
        ]
        if not mine:
            pods = (
                "; ".join(f"{b.where} labels its pods {b.pod_labels}" for b in buses if b.namespace == namespace)
                or "no bus Deployment in its namespace"
            )
            found.append(
                f"{_where(service)}: its selector {selector} selects no Redis pod ({pods}): clients reach nothing; "
                "keep the Service's selector and the pod template's labels equal (patch both, or neither)"
            )
            continue
        bus = mine[0]
        port = _service_port(service)
        target = port.get("targetPort", port.get("port"))
        if isinstance(target, str) and not target.isdigit():
            if target not in bus.port_names():
                found.append(
                    f"{_where(service)}: targetPort {target!r} names no port of container {bus.redis.get('name')} "
                    f"that is Redis's port {bus.port}: name the containerPort {bus.port} {target!r} or target "
                    f"{bus.port}"
                )
        elif target is not None and int(target) != bus.port:
            found.append(
                f"{_where(service)}: targetPort {target} but redis-server listens on {bus.port} "
                f"(in {bus.where}): set targetPort to {bus.port}, or change the port with EphemeralRedis(port=...)"
            )
    return found


def _namespace_labels(objects: Sequence[Object], namespace: str) -> tuple[dict[str, str], bool]:
    """The labels a namespace has as far as the build shows (and whether the build declares it)."""
    for obj in objects:
        if obj.get("kind") == "Namespace" and _meta(obj).get("name") == namespace:
            return {**_labels(obj), NAMESPACE_NAME_LABEL: namespace}, True
    return {NAMESPACE_NAME_LABEL: namespace}, False


def _peer_admits(
    peer: Mapping[str, Any], policy_namespace: str | None, client: str | None, objects: Sequence[Object]
) -> bool | None:
    """Whether a ``from`` peer admits pods of namespace ``client`` (None: the build cannot tell)."""
    if "ipBlock" in peer:
        return None
    if "namespaceSelector" not in peer:
        return client == policy_namespace
    if client is None:
        return None
    labels, known = _namespace_labels(objects, client)
    return selects(peer["namespaceSelector"], labels, known=known)


def _rule_has_port(rule: Mapping[str, Any], bus: _Bus) -> bool:
    ports = rule.get("ports")
    if not ports:
        return True  # no ports: every port
    return any(p.get("port") is None or p.get("port") == bus.port or p.get("port") in bus.port_names() for p in ports)


def _policies(objects: Sequence[Object], buses: Sequence[_Bus], clients: Mapping[str | None, set[str]]) -> list[str]:
    found = []
    for policy in objects:
        if policy.get("kind") != "NetworkPolicy" or not _is_bus(policy):
            continue
        namespace = _meta(policy).get("namespace")
        where = _where(policy)
        own = _labels(policy)
        ingress = _spec(policy).get("ingress") or []
        for rule in ingress:
            for peer in rule.get("from") or []:
                required = ((peer.get("podSelector") or {}).get("matchLabels")) or {}
                added = sorted(k for k, v in required.items() if own.get(k) == v and (k, v) != COMPONENT)
                if added:
                    found.append(
                        f"{where}: a peer selector requires {', '.join(f'{k}={required[k]}' for k in added)}, "
                        "which also labels the policy itself (commonLabels, or labels with includeSelectors?): "
                        "client pods without it are blocked; use labels with includeSelectors: false"
                    )
        pod_selector = _spec(policy).get("podSelector")
        mine = [b for b in buses if b.namespace == namespace and selects(pod_selector, b.pod_labels)]
        if not mine:
            if any(b.namespace == namespace for b in buses):
                found.append(
                    f"{where}: its podSelector {pod_selector} no longer selects the Redis pod, so no policy "
                    "isolates it: every pod of every namespace can reach Redis; keep the podSelector equal to the "
                    "pod template's labels (patch both, or neither)"
                )
            continue
        bus = mine[0]
        on_port = [rule for rule in ingress if _rule_has_port(rule, bus)]
        if not on_port:
            listed = sorted({str(p.get("port")) for rule in ingress for p in rule.get("ports") or []})
            found.append(
                f"{where}: no ingress rule admits Redis's port {bus.port} (rules name {', '.join(listed) or 'none'}): "
                f"every client is blocked; set the rule's port to {bus.port}"
            )
            continue
        for client in sorted(clients.get(namespace, set())):
            verdicts = [
                True if not rule.get("from") else _peer_admits_any(rule["from"], namespace, client, objects)
                for rule in on_port
            ]
            if True not in verdicts and None not in verdicts:
                found.append(
                    f"{where}: no ingress rule admits pods of namespace {client}, where a redis-url for this bus is "
                    "published: those clients are blocked; admit the namespace (EphemeralRedis(client_namespaces=...) "
                    "or RedisNetwork.policy(allow_from=...)), or keep the overlay's namespace the one the policy names"
                )
    return found


def _peer_admits_any(
    peers: Sequence[Mapping[str, Any]], namespace: str | None, client: str, objects: Sequence[Object]
) -> bool | None:
    verdicts = [_peer_admits(peer, namespace, client, objects) for peer in peers]
    return True if True in verdicts else (None if None in verdicts else False)


def _secrets(objects: Sequence[Object], clients: dict[str | None, set[str]]) -> list[str]:
    """The URL checks; fills ``clients``: by bus namespace, the namespaces a URL for its Service is published in."""
    found = []
    services = {(_meta(o).get("namespace"), _meta(o).get("name")): o for o in objects if o.get("kind") == "Service"}
    for secret in objects:
        if secret.get("kind") != "Secret":
            continue
        namespace = _meta(secret).get("namespace")
        for url in _urls(secret):
            parts = urlsplit(url)
            host = parts.hostname or ""
            target = _service_of(host, namespace)
            if target is None:
                continue
            service = services.get(target)
            if service is None:
                found.append(
                    f"{_where(secret)}: {URL_KEY} host {host!r} names no Service in this build "
                    "(renamed by namePrefix/nameSuffix? see k8s/examples/renamed for the replacements recipe)"
                )
                continue
            if not _is_bus(service):
                continue
            try:
                url_port = parts.port or seed.REDIS_PORT
            except ValueError:
                url_port = None
            service_port = _service_port(service).get("port")
            if url_port != service_port:
                found.append(
                    f"{_where(secret)}: {URL_KEY} says port {url_port} but {_where(service)} listens on "
                    f"{service_port}: clients connect to a closed port; keep the Service's port and the URL's equal "
                    "(EphemeralRedis(port=...) writes both; k8s/examples/renamed copies the port into the URL)"
                )
            if namespace is not None:
                clients.setdefault(target[0], set()).add(namespace)
    return found


def problems(objects: Sequence[Object]) -> list[str]:
    """Every problem found in a built list of objects (see the module docstring), one line each."""
    objects = [o for o in objects if isinstance(o, dict)]
    buses = _buses(objects)
    found: list[str] = []
    if not buses:
        kinds = sorted({str(o.get("kind") or "an object without a kind") for o in objects})
        found.append(
            f"the build holds no Deployment labelled {COMPONENT[0]}={COMPONENT[1]} (it holds "
            f"{', '.join(kinds) or 'no object'}): check a build of EphemeralRedis manifests, and keep that label"
        )
    for bus in buses:
        found += _replicas(bus) + _container_ports(bus) + _security(bus)
    clients: dict[str | None, set[str]] = {}
    found += _secrets(objects, clients)
    found += _services(objects, buses)
    found += _policies(objects, buses, clients)
    return found


def read_build(text: str) -> list[Object]:
    """The objects of a YAML stream (``kubectl kustomize``'s output), read by cdk8s's YAML reader."""
    with tempfile.TemporaryDirectory(prefix="agentsmith-overlay-") as folder:
        path = Path(folder) / "build.yaml"
        path.write_text(text, encoding="utf-8")
        loaded = cdk8s.Yaml.load(str(path))
    return [doc for doc in loaded if isinstance(doc, dict)]


def _build(folder: str) -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise _Usage("kubectl not found on PATH: install it, or pipe a build in with `kubectl kustomize DIR | ... -`")
    result = subprocess.run([kubectl, "kustomize", folder], capture_output=True, text=True, check=False, timeout=300)
    if result.returncode != 0:
        raise _Usage(f"kubectl kustomize {folder} failed: {result.stderr.strip()}")
    return result.stdout


class _Usage(Exception):
    """A usage or build error: exit 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Check the build of ``argv[0]`` (a kustomization folder, or ``-`` for a build on stdin); the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["-h"], ["--help"]):
        print(f"{USAGE}\n\n{SUMMARY}; exit 0 and 'ok', or exit 1 and one line per problem.")
        return 0
    if len(args) != 1:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        text = sys.stdin.read() if args[0] == "-" else _build(args[0])
    except _Usage as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    found = problems(read_build(text))
    for line in found:
        print(line)
    if not found:
        print("ok")
    return 1 if found else 0
