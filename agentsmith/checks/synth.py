"""The construct validation that runs the app-wide checks before cdk8s writes anything, once per synth.

:func:`guard` adds it once per app (``base.manifest.add_manifest`` asks for it
with every object). cdk8s 2.70 runs an app's validations in ``App.synth()``
and ``App.synth_yaml()``, then again in every ``Chart.toJson()`` they make
(``App._synthChart``), and in ``Chart.to_json()`` (so ``cdk8s.Testing.synth``):
1 + 1 + charts times per ``App.synth()``. All of them run inside one Python
call into the ``cdk8s`` package, so :class:`_AppCheck` runs :func:`check_app`
once per such call (docs/design.md, "Checked at synth").
"""

from __future__ import annotations

import sys
from types import FrameType

import cdk8s
import jsii
from constructs import IConstruct, IValidation

from agentsmith.checks import collisions, tree, wiring
from agentsmith.core.identity import IdentityMap

__all__ = ["check_app", "guard"]


def check_app(app: cdk8s.App) -> None:
    """Raise ``AgentsmithConfigError`` on the first clash or broken wiring in ``app``; call before ``app.synth()``."""
    found = collisions.objects(app)
    collisions.check_clashes(app, found)
    wiring.check_wiring(found)


def _outermost_cdk8s_frame() -> FrameType | None:
    """The oldest frame on the stack that runs code of the ``cdk8s`` package (``App.synth``, ``Testing.synth`` ...)."""
    outermost = None
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_globals.get("__name__") == "cdk8s":
            outermost = frame
        frame = frame.f_back
    return outermost


#: Per app: the outermost cdk8s frame its last completed check ran under, and how many objects agentsmith had
#: marked then. Holding the frame keeps it (and its identity) alive: a later call cannot get the same object.
_CHECKED: IdentityMap[IConstruct, tuple[FrameType, int]] = IdentityMap()


@jsii.implements(IValidation)
class _AppCheck:
    """The validation on an app's node: :func:`check_app` once per call into cdk8s."""

    def __init__(self, app: cdk8s.App) -> None:
        self._app = app  # jsii keeps every object it has seen alive anyway: a plain reference costs nothing

    def validate(self) -> list[str]:
        """Raise ``AgentsmithConfigError`` on a clash (no error list); skipped when this call already checked.

        Raised, not returned: cdk8s would print a returned error as
        ``Validation failed with the following errors:`` plus ``[] <message>``
        (the app's path is empty) on a second line. A raised one reaches the
        caller of ``synth()`` as ``RuntimeError`` with this message only.
        """
        frame = _outermost_cdk8s_frame()
        marked = collisions.marked()
        last = _CHECKED.get(self._app)
        if frame is not None and last is not None and last[0] is frame and last[1] == marked:
            return []  # the same App.synth()/synth_yaml()/to_json() call, nothing of ours added since
        check_app(self._app)
        if frame is not None:
            _CHECKED[self._app] = (frame, marked)
        return []


#: Apps that already run the checks as a validation (jsii hands out one Python object per JavaScript object).
_GUARDED: IdentityMap[IConstruct, bool] = IdentityMap()


def guard(scope: IConstruct) -> None:
    """Make ``scope``'s app run :func:`check_app` before it synthesises; once per app, idempotent.

    Nothing happens when the tree's root is not a ``cdk8s.App`` (cdk8s cannot synthesise it).
    """
    root = tree.cache.root(scope)
    if root in _GUARDED or not isinstance(root, cdk8s.App):
        return
    root.node.add_validation(_AppCheck(root))
    _GUARDED[root] = True
