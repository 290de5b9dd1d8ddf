"""The construct validation that runs the app-wide checks before cdk8s writes anything.

:func:`guard` adds it once per app (``base.manifest.add_manifest`` asks for it
with every object); cdk8s runs an app's validations in ``App.synth()`` (after
creating the empty output folder), ``App.synth_yaml()`` and ``Chart.to_json()``
(so ``cdk8s.Testing.synth``). It reads the app's objects once and runs
``collisions.check_clashes`` then ``wiring.check_wiring`` on them.
"""

from __future__ import annotations

import cdk8s
import jsii
from constructs import IConstruct, IValidation

from agentsmith.checks import collisions, wiring
from agentsmith.core.identity import IdentityMap

__all__ = ["check_app", "guard"]


def check_app(app: cdk8s.App) -> None:
    """Raise ``AgentsmithConfigError`` on the first clash or broken wiring in ``app``; call before ``app.synth()``."""
    found = collisions.objects(app)
    collisions.check_clashes(app, found)
    wiring.check_wiring(found)


@jsii.implements(IValidation)
class _AppCheck:
    """The validation on an app's node: :func:`check_app` at every synth."""

    def __init__(self, app: cdk8s.App) -> None:
        self._app = app  # jsii keeps every object it has seen alive anyway: a plain reference costs nothing

    def validate(self) -> list[str]:
        """Raise ``AgentsmithConfigError`` on a clash (no error list).

        Raised, not returned: cdk8s would print a returned error as
        ``Validation failed with the following errors:`` plus ``[] <message>``
        (the app's path is empty) on a second line. A raised one reaches the
        caller of ``synth()`` as ``RuntimeError`` with this message only.
        """
        check_app(self._app)
        return []


#: Apps that already run the checks as a validation (jsii hands out one Python object per JavaScript object).
_GUARDED: IdentityMap[IConstruct, bool] = IdentityMap()


def guard(scope: IConstruct) -> None:
    """Make ``scope``'s app run :func:`check_app` before it synthesises; once per app, idempotent.

    Nothing happens when the tree's root is not a ``cdk8s.App`` (cdk8s cannot synthesise it).
    """
    root = collisions.tree_root(scope)
    if root in _GUARDED or not isinstance(root, cdk8s.App):
        return
    collisions.node(root).add_validation(_AppCheck(root))
    _GUARDED[root] = True
