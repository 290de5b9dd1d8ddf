"""Exceptions raised by agentsmith constructs.

Every error the library raises on purpose derives from one base class::

    ValueError
    └── AgentsmithConfigError        a prop has a value the library cannot synthesise

Messages name the prop in quotes, show the value given, carry the construct
path when there is one, and say how to fix it, for example::

    [agentsmith/redis] 'maxmemory_policy' must be one of allkeys-lru, ...
    (got 'allkeys-lru2'). Did you mean 'allkeys-lru'?
"""

from __future__ import annotations

__all__ = ["AgentsmithConfigError"]


class AgentsmithConfigError(ValueError):
    """Raised at construction time when a prop is invalid.

    Raised before any manifest is written, so a failed synth never leaves a
    half-written output folder behind.

    Attributes:
        prop: the name of the offending prop, as the caller spelled it.
        value: the value that was given.
        path: the construct path (``chart/redis``), or ``None`` outside a construct.
    """

    def __init__(self, message: str, *, prop: str, value: object, path: str | None = None) -> None:
        self.prop = prop
        self.value = value
        self.path = path
        super().__init__(f"[{path}] {message}" if path else message)
