"""The base of the value classes that only their factories build (``RedisAccess``, ``RedisNetwork``, ...)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeVar

_T = TypeVar("_T", bound="FactoryBuilt")


def frozen_sequence(value: object) -> Any:
    """A sequence argument as a tuple (the value is frozen); anything else (None, a string, bytes) as given,
    for the class's ``_check`` to name it."""
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return tuple(value)
    return value


class FactoryBuilt:
    """A frozen ``@dataclass(init=False)`` whose alternatives are classmethod factories.

    Calling the class (or ``dataclasses.replace``, which calls it) raises a
    ``TypeError`` naming the factories (``_factories``); a factory builds the
    value with :meth:`_build`, so a combination it does not take cannot be
    written.
    """

    _factories: ClassVar[str]

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise TypeError(f"Build a {type(self).__name__} with a factory: {self._factories}.")

    @classmethod
    def _build(cls: type[_T], **fields: Any) -> _T:
        """An instance with ``fields`` set, past the frozen dataclass's ``__setattr__``."""
        value = object.__new__(cls)
        for name, field in fields.items():
            object.__setattr__(value, name, field)
        return value


def plain_repr(value: Any) -> str:
    """``ClassName(field=..., ...)`` of a dataclass instance, mappings shown as dicts: a call that rebuilds it."""

    def plain(item: object) -> object:  # a mappingproxy as a dict; anything else (invalid too) as it is
        return dict(item) if isinstance(item, Mapping) else item

    fields = ", ".join(f"{f.name}={plain(getattr(value, f.name))!r}" for f in dataclasses.fields(value))
    return f"{type(value).__name__}({fields})"
