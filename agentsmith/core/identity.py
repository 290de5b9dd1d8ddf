"""A weak mapping keyed by object identity, for what the library remembers about constructs.

``weakref.WeakKeyDictionary`` and ``WeakSet`` hash their keys, so an app, chart
or API object whose class defines ``__eq__`` without ``__hash__`` (a user's
subclass) would make them raise ``TypeError``. jsii hands out one Python object
per JavaScript object, so identity is the right key anyway.
"""

from __future__ import annotations

import weakref
from typing import Generic, TypeVar, overload

K = TypeVar("K")
V = TypeVar("V")


class IdentityMap(Generic[K, V]):
    """``key -> value`` by ``key is``; an entry goes when its key is garbage-collected."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref[K], V]] = {}

    def _entry(self, key: K) -> tuple[weakref.ref[K], V] | None:
        entry = self._entries.get(id(key))
        return entry if entry is not None and entry[0]() is key else None

    @overload
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: V) -> V: ...
    def get(self, key: K, default: V | None = None) -> V | None:
        entry = self._entry(key)
        return default if entry is None else entry[1]

    def __contains__(self, key: K) -> bool:
        return self._entry(key) is not None

    def __getitem__(self, key: K) -> V:
        entry = self._entry(key)
        if entry is None:
            raise KeyError(key)
        return entry[1]

    def __setitem__(self, key: K, value: V) -> None:
        entry = self._entry(key)
        if entry is None:
            entries, slot = self._entries, id(key)

            def forget(dead: weakref.ref[K]) -> None:
                current = entries.get(slot)
                if current is not None and current[0] is dead:
                    del entries[slot]

            self._entries[slot] = (weakref.ref(key, forget), value)
        else:
            self._entries[id(key)] = (entry[0], value)

    def setdefault(self, key: K, default: V) -> V:
        entry = self._entry(key)
        if entry is not None:
            return entry[1]
        self[key] = default
        return default

    def __delitem__(self, key: K) -> None:
        if self._entry(key) is None:
            raise KeyError(key)
        del self._entries[id(key)]

    def __len__(self) -> int:
        return sum(1 for ref, _ in self._entries.values() if ref() is not None)
