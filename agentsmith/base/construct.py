"""What every agentsmith construct does around its constructor.

:func:`checked_init` wraps ``__init__(self, scope, id, *, ...)``:

* before anything exists, ``scope`` must be a construct inside a
  ``cdk8s.Chart`` (API objects need one) and ``id`` a non-empty string, else
  :class:`~agentsmith.errors.AgentsmithConfigError` names the argument;
* the constructors check their own props before ``super().__init__`` (with a
  :class:`~agentsmith._rules.ConstructPath` built from ``scope`` and ``id``), so
  a bad prop never adds the construct to the tree;
* if the constructor raises after that (e.g. a name another object holds), the
  half-built construct is removed from its scope, and with it every object it
  created, so the caller can fix the prop and try again with the same id
  (nothing else holds its object names: ``collisions.claim`` compares with the
  tree as it is).

:func:`public_signature` is the class decorator that goes with it: jsii's
metaclass defines ``__call__(*args, **kwargs)``, which ``inspect.signature``,
``help()`` and IDEs would show for the class instead of ``__init__``'s
parameters.

:func:`read_only` makes a construct's public attributes (its resolved props
and handles) read-only once the constructor has returned: the manifests are
built in the constructor, so a later assignment would change nothing in them
and raises ``AttributeError`` instead (``Final`` tells type checkers the same).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import cdk8s
from constructs import Construct

from agentsmith.checks.tree import cache
from agentsmith.core.rules import fail

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
