"""Reading synthesised objects: the containers of a Deployment, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def containers(deployment: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The pod template's containers of a Deployment (the objects themselves, not copies)."""
    found: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    return found


def the_container(deployment: Mapping[str, Any]) -> dict[str, Any]:
    """The one container of a Deployment; fails when it has more or none."""
    (only,) = containers(deployment)
    return only
