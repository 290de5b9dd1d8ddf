"""The API server's own rules for names, labels, Secret keys and quantities, written out independently.

The schema (kubernetes-validate) checks types and field names only; the API
server also validates the strings. These are the rules from
k8s.io/apimachinery/pkg/util/validation/validation.go and
k8s.io/apimachinery/pkg/api/resource/quantity.go, and Pod Security Admission's
label rules, plus what a Redis client needs of a URL (:func:`redis_url_problems`),
written from those sources rather than imported from agentsmith,
so that a mistake in agentsmith's validators cannot hide itself.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import redis.connection

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL = re.compile(_LABEL)
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
CONFIG_MAP_KEY = re.compile(r"[-._a-zA-Z0-9]+")
QUANTITY = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|[numkMGTPE]?)")
PSA_VERSION = re.compile(r"v1\.(0|[1-9][0-9]*)|latest")
PSA_LEVELS = ("privileged", "baseline", "restricted")
IANA_SVC_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
#: validation.IsEnvVarName (Kubernetes up to 1.29; 1.30 accepts more).
ENV_VAR_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")


def label(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 63 and bool(DNS1123_LABEL.fullmatch(value))


def label_1035(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 63 and bool(DNS1035_LABEL.fullmatch(value))


def subdomain(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 253 and bool(DNS1123_SUBDOMAIN.fullmatch(value))


def label_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    prefix, slash, name = key.rpartition("/")
    if slash and not subdomain(prefix):
        return False
    return len(name) <= 63 and bool(QUALIFIED_NAME.fullmatch(name))


def label_value(value: object) -> bool:
    return isinstance(value, str) and (value == "" or (len(value) <= 63 and bool(QUALIFIED_NAME.fullmatch(value))))


def secret_key(key: object) -> bool:
    return (
        isinstance(key, str)
        and len(key) <= 253
        and bool(CONFIG_MAP_KEY.fullmatch(key))
        and key not in (".", "..")
        and not key.startswith("..")
    )


def quantity(value: object) -> bool:
    return isinstance(value, str) and bool(QUANTITY.fullmatch(value))


def port_name(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= 15
        and bool(IANA_SVC_NAME.fullmatch(value))
        and "--" not in value
        and any(c.isalpha() for c in value)
    )


_HOSTNAME_LABEL = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?")


def redis_url_problems(url: str) -> list[str]:
    """Why a client could not use ``url`` as written, or why it must not be in dist/ (empty: fine).

    The runtime's rules rather than the API server's: redis-py parses it,
    the scheme is lowercase redis/rediss, no credentials, the host resolves
    as a host name (RFC 1123) or is an IP address, the port is 1-65535 and
    the path a database number.
    """
    try:
        redis.connection.parse_url(url)
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return [f"unparsable: {error}"]
    problems = []
    if not url.startswith(("redis://", "rediss://")):
        problems.append("scheme")
    if "@" in url or parts.username or parts.password:
        problems.append("credentials in userinfo")
    if any(name.lower() in ("password", "username") for name, _ in parse_qsl(parts.query, keep_blank_values=True)):
        problems.append("credentials in the query")
    host = parts.hostname or ""
    if parts.netloc.rpartition("@")[2].startswith("["):
        try:
            socket.inet_pton(socket.AF_INET6, host.partition("%")[0])
        except OSError:
            problems.append(f"IPv6 host {host!r}")
    elif re.fullmatch(r"[0-9.]+", host):
        if not re.fullmatch(
            r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}", host
        ):
            problems.append(f"IPv4 host {host!r}")
    elif (
        not host
        or len(host) > 253
        or not all(len(label) <= 63 and _HOSTNAME_LABEL.fullmatch(label) for label in host.split("."))
    ):
        problems.append(f"host name {host!r}")
    if port is not None and not 1 <= port <= 65535:
        problems.append(f"port {port}")
    if parts.path not in ("", "/") and not re.fullmatch(r"/[0-9]+", parts.path):
        problems.append(f"path {parts.path!r}")
    if parts.fragment:
        problems.append("fragment")
    return problems


#: PersistentVolumeClaim access modes in Kubernetes 1.27 (core/v1 PersistentVolumeAccessMode).
_ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
_SUBDOMAIN_NAMED = {"Secret", "Deployment", "NetworkPolicy", "ConfigMap"}


def _labels(where: str, labels: object) -> Iterator[str]:
    if not isinstance(labels, dict):
        yield f"{where}: not a mapping"
        return
    for key, value in labels.items():
        if not label_key(key):
            yield f"{where}: invalid label key {key!r}"
        if not label_value(value):
            yield f"{where}[{key!r}]: invalid label value {value!r}"


def violations(obj: dict[str, Any]) -> list[str]:
    """Every rule the API server would refuse ``obj`` for (empty: it would be accepted)."""
    found: list[str] = []
    kind = obj.get("kind")
    metadata = obj.get("metadata", {})
    name = metadata.get("name")
    if kind in ("Namespace",):
        ok = label(name)
    elif kind == "Service":
        ok = label_1035(name)
    else:
        ok = subdomain(name)
    if not ok:
        found.append(f"metadata.name {name!r} invalid for {kind}")
    if "namespace" in metadata and not label(metadata["namespace"]):
        found.append(f"metadata.namespace {metadata['namespace']!r}")
    found += _labels("metadata.labels", metadata.get("labels", {}))
    if kind == "Namespace":
        for key, value in metadata.get("labels", {}).items():
            if key.startswith("pod-security.kubernetes.io/"):
                mode = key.rpartition("/")[2]
                if mode.endswith("-version") and not PSA_VERSION.fullmatch(value):
                    found.append(f"{key}: Pod Security version {value!r}")
                if not mode.endswith("-version") and value not in PSA_LEVELS:
                    found.append(f"{key}: Pod Security level {value!r}")
        if name in ("default", "kube-system", "kube-public", "kube-node-lease") or str(name).startswith("kube-"):
            found.append(f"Namespace {name!r} is a system namespace")
    if kind == "Secret":
        for field in ("data", "stringData"):
            for key, value in obj.get(field, {}).items():
                if not secret_key(key):
                    found.append(f"{field} key {key!r}")
                if field == "stringData" and str(value).lower().startswith("redis"):
                    found += [f"{field}[{key!r}]: {problem}" for problem in redis_url_problems(value)]
    spec = obj.get("spec", {})
    if kind == "Service":
        found += _labels("spec.selector", spec.get("selector", {}))
        if spec.get("type") == "ExternalName" and not subdomain(spec.get("externalName")):
            found.append(f"externalName {spec.get('externalName')!r}")
        for port in spec.get("ports", []):
            if "name" in port and not port_name(port["name"]):
                found.append(f"port name {port['name']!r}")
    if kind == "Deployment":
        found += _labels("spec.selector.matchLabels", spec["selector"]["matchLabels"])
        template = spec["template"]
        found += _labels("spec.template.metadata.labels", template["metadata"].get("labels", {}))
        for container in template["spec"]["containers"]:
            if not label(container["name"]):
                found.append(f"container name {container['name']!r}")
            for group in ("requests", "limits"):
                for resource, amount in container.get("resources", {}).get(group, {}).items():
                    if not quantity(amount):
                        found.append(f"resources.{group}.{resource} {amount!r}")
            for env in container.get("env", []):
                if not ENV_VAR_NAME.fullmatch(env["name"]):
                    found.append(f"env name {env['name']!r}")
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref and not (subdomain(ref["name"]) and secret_key(ref["key"])):
                    found.append(f"secretKeyRef {ref!r}")
        for volume in template["spec"].get("volumes", []):
            size = volume.get("emptyDir", {}).get("sizeLimit")
            if size is not None and not quantity(size):
                found.append(f"sizeLimit {size!r}")
    if kind == "PersistentVolumeClaim":
        storage = spec.get("resources", {}).get("requests", {}).get("storage")
        if not quantity(storage):
            found.append(f"resources.requests.storage {storage!r}")
        if "storageClassName" in spec and spec["storageClassName"] != "" and not subdomain(spec["storageClassName"]):
            found.append(f"storageClassName {spec['storageClassName']!r}")
        modes = spec.get("accessModes", [])
        if not modes or any(mode not in _ACCESS_MODES for mode in modes):
            found.append(f"accessModes {modes!r}")
    if kind == "NetworkPolicy":
        found += _labels("spec.podSelector.matchLabels", spec["podSelector"].get("matchLabels", {}))
    return found
