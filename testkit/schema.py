"""Strict validation against the Kubernetes 1.27 schema (kubernetes-validate), each schema file read once.

``kubernetes_validate.validate`` reads the kind's schema and the shared
``_definitions.json`` (about 1 MB) from disk and parses them on every call. The
files never change while a process runs, so :func:`validate` memoises the
library's reader (``kubernetes_validate.utils.schema_contents``, which
``validate`` looks up at each call); the validation itself is the library's.
"""

from __future__ import annotations

import functools
from typing import Any

import kubernetes_validate
from kubernetes_validate import utils as _utils

from testkit.kustomize import K8S_VERSION

if not isinstance(_utils.schema_contents, functools._lru_cache_wrapper):  # once, however often imported
    _utils.schema_contents = functools.cache(_utils.schema_contents)


def validate(obj: dict[str, Any]) -> str:
    """Validate ``obj`` strictly against the Kubernetes 1.27 schema; returns the schema version used.

    Raises ``kubernetes_validate.ValidationError`` (or ``SchemaNotFoundError`` for an unknown kind).
    """
    version: str = kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    return version
