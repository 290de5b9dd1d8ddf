"""Check a Kustomize build of the bus for the overlay mistakes that break it silently.

    .venv/bin/python tools/check_overlay.py k8s/overlays/dev       # runs `kubectl kustomize` on the folder
    kubectl kustomize k8s/overlays/prod | python tools/check_overlay.py -

Exit 0 and prints ``ok`` when none is found; otherwise exit 1 and one line per
problem:

* a Redis Deployment (label ``app.kubernetes.io/component: message-bus``) with
  more than one replica: every replica is a separate, empty bus behind the one
  Service, and a job's dispatcher and agents may land on different ones;
* a ``redis-url`` in a Secret whose in-cluster host names no Service of the
  build (``namePrefix``/``nameSuffix`` renamed the Service but not the URL;
  ``k8s/examples/renamed`` has the ``replacements`` recipe);
* a bus NetworkPolicy peer whose pod selector requires a label the policy
  itself carries: ``commonLabels`` (or ``labels`` with ``includeSelectors``)
  added it, so client pods created without that label are blocked.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import yaml

COMPONENT = ("app.kubernetes.io/component", "message-bus")
URL_KEY = "redis-url"


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


def _is_bus(obj: dict[str, Any]) -> bool:
    return _labels(obj).get(COMPONENT[0]) == COMPONENT[1]


def _urls(secret: dict[str, Any]) -> Iterable[str]:
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


def problems(objects: list[dict[str, Any]]) -> list[str]:
    """Every problem found in a built list of objects (see the module docstring)."""
    found: list[str] = []
    services = {
        ((o["metadata"].get("namespace")), o["metadata"]["name"]) for o in objects if o.get("kind") == "Service"
    }
    for obj in objects:
        kind, meta = obj.get("kind"), obj.get("metadata") or {}
        where = f"{kind} {meta.get('namespace') or '-'}/{meta.get('name')}"
        if kind == "Deployment" and _is_bus(obj):
            replicas = (obj.get("spec") or {}).get("replicas", 1)
            if replicas != 1:
                found.append(
                    f"{where}: replicas {replicas}; Redis is one bus per Deployment, each replica an empty one "
                    "(keep 1; for high availability use ExternalRedis with a managed Redis)"
                )
        if kind == "Secret":
            for url in _urls(obj):
                host = urlsplit(url).hostname or ""
                target = _service_of(host, meta.get("namespace"))
                if target is not None and target not in services:
                    found.append(
                        f"{where}: {URL_KEY} host {host!r} names no Service in this build "
                        "(renamed by namePrefix/nameSuffix? see k8s/examples/renamed for the replacements recipe)"
                    )
        if kind == "NetworkPolicy" and _is_bus(obj):
            own = _labels(obj)
            for rule in (obj.get("spec") or {}).get("ingress") or []:
                for peer in rule.get("from") or []:
                    required = ((peer.get("podSelector") or {}).get("matchLabels")) or {}
                    added = sorted(k for k, v in required.items() if own.get(k) == v and (k, v) != COMPONENT)
                    if added:
                        found.append(
                            f"{where}: a peer selector requires {', '.join(f'{k}={required[k]}' for k in added)}, "
                            "which also labels the policy itself (commonLabels, or labels with includeSelectors?): "
                            "client pods without it are blocked; use labels with includeSelectors: false"
                        )
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: check_overlay.py KUSTOMIZATION_DIR | -", file=sys.stderr)
        return 2
    if argv[0] == "-":
        text = sys.stdin.read()
    else:
        kubectl = shutil.which("kubectl")
        if kubectl is None:
            print("error: kubectl not found (bash tools/setup.sh installs it into .venv/bin)", file=sys.stderr)
            return 2
        text = subprocess.run(
            [kubectl, "kustomize", argv[0]], capture_output=True, text=True, check=True, timeout=120
        ).stdout
    objects = [doc for doc in yaml.safe_load_all(text) if isinstance(doc, dict)]
    found = problems(objects)
    for line in found:
        print(line)
    if not found:
        print("ok")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
