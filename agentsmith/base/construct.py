"""What every agentsmith construct does around its constructor.

:func:`checked_init` checks ``scope`` and ``id`` before anything exists and removes a half-built construct
(with its objects) when the constructor raises, so the caller can retry with the same id;
:func:`public_signature` gives the class ``__init__``'s signature (jsii's metaclass hides it);
:func:`read_only` refuses assignments to public attributes once built (the manifests would not change).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Concatenate, ParamSpec, TypeVar

import cdk8s
from constructs import Construct

from agentsmith.checks import collisions
from agentsmith.checks.tree import cache
from agentsmith.core.rules import PathArg, fail

_P = ParamSpec("_P")
_C = TypeVar("_C", bound=Construct)
_T = TypeVar("_T", bound=type)

Init = Callable[Concatenate[_C, Construct, str, _P], None]


def checked_init(init: Init[_C, _P]) -> Init[_C, _P]:
    """Check ``scope``/``id`` first; undo the construct if ``init`` raises."""

    @functools.wraps(init)
    def wrapper(self: _C, scope: Construct, id: str, /, *args: _P.args, **kwargs: _P.kwargs) -> None:
        cache.placed(self, _check_scope(scope, id))
        try:
            init(self, scope, id, *args, **kwargs)
        except BaseException:
            _undo(self, scope, id)
            raise
        object.__setattr__(self, _SEALED, True)

    return wrapper


_SEALED = "_agentsmith_sealed"


def read_only(cls: _T) -> _T:
    """Refuse assignments to public attributes of ``cls``'s instances once ``checked_init`` has returned."""
    inherited: Callable[[object, str, object], None] = cls.__setattr__  # type: ignore[assignment]

    def __setattr__(self: object, name: str, value: object) -> None:
        if not name.startswith("_") and getattr(self, _SEALED, False):
            cls_name = type(self).__name__
            props = getattr(type(self), "__signature__", None)
            if props is not None and name in props.parameters:
                fix = f"Pass {name}=... to {cls_name}(...) instead."
            else:  # a handle, not a prop: the object it names takes patches
                fix = "It is a handle: change the object it names (add_json_patch on an ApiObject) instead."
            raise AttributeError(
                f"{cls_name}.{name} is read-only: the manifests were built when the construct was "
                f"created, so assigning it would change nothing. {fix}"
            )
        inherited(self, name, value)

    cls.__setattr__ = __setattr__  # type: ignore[assignment,method-assign]
    return cls


def public_signature(cls: _T) -> _T:
    """Give ``cls`` the signature of its ``__init__`` (without ``self``) for ``inspect.signature`` and ``help()``."""
    init = inspect.signature(cls.__dict__["__init__"])  # checked_init keeps it (functools.wraps sets __wrapped__)
    parameters = list(init.parameters.values())[1:]
    cls.__signature__ = init.replace(parameters=parameters, return_annotation=inspect.Signature.empty)  # type: ignore[attr-defined]
    return cls


def _check_scope(scope: object, id: object) -> cdk8s.Chart:
    """``scope``'s chart, or the error naming ``scope`` or ``id``."""
    if not isinstance(scope, Construct):
        raise fail(
            None,
            "scope",
            scope,
            "must be a construct: a cdk8s.Chart or a construct inside one",
            "Pass the chart, e.g. EphemeralRedis(chart, 'redis').",
        )
    if not isinstance(id, str) or not id:
        raise fail(None, "id", id, "must be a non-empty string", "Use a stable id such as 'redis'.")
    if isinstance(scope, cdk8s.Chart):
        return scope
    try:
        return cdk8s.Chart.of(scope)
    except Exception:  # jsii: "cannot find a parent chart"
        raise fail(
            None,
            "scope",
            scope.node.path or "<app>",
            "is not inside a cdk8s.Chart, and Kubernetes objects need one",
            "Create a chart first: chart = cdk8s.Chart(app, 'bus'), then EphemeralRedis(chart, 'redis').",
        ) from None


def _undo(construct: Construct, scope: Construct, id: str) -> None:
    """Remove ``construct`` (only if it is the child named ``id``), and so every object it created."""
    if getattr(construct, "__jsii_ref__", None) is None:
        return  # jsii never created it (its props were refused first): it is not in the tree
    try:
        child = scope.node.try_find_child(id)
    except Exception:  # the node was never created: nothing to undo
        return
    if child is construct:
        scope.node.try_remove_child(child.node.id)  # constructs' id: it may have rewritten separators in ``id``


def check_chart_labels(path: PathArg, scope: Construct, owned: Mapping[str, str]) -> None:
    """The chart's labels (cdk8s puts them on every object) may not give the construct's ``owned`` keys
    another value."""
    chart_labels = collisions.chart_labels(scope)
    for key, value in owned.items():
        if key in chart_labels and chart_labels[key] != value:
            raise fail(
                path,
                "scope",
                {key: chart_labels[key]},
                f"is a chart whose labels set {key!r}, which this construct sets to {value!r} on its "
                "Deployment, Service and NetworkPolicy (selector and identity labels)",
                f"Put the bus in a chart without {key!r} in its labels, or remove that chart label.",
            )
