"""The Redis container's root filesystem, as one value built by factories."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final

from agentsmith.core import redis_props
from agentsmith.core.rules import PathArg, boolean, fail
from agentsmith.core.values import FactoryBuilt

__all__ = ["DEFAULT_DATA_SIZE_LIMIT", "DEFAULT_FILESYSTEM", "RedisFilesystem"]

#: ``sizeLimit`` of the ``/data`` emptyDir of :meth:`RedisFilesystem.read_only`.
DEFAULT_DATA_SIZE_LIMIT: Final = "64Mi"
_FACTORIES: Final = "RedisFilesystem.writable() or RedisFilesystem.read_only(data_size_limit='64Mi')"


@dataclass(frozen=True, init=False, repr=False)
class RedisFilesystem(FactoryBuilt):
    """Whether Redis's root filesystem is read-only (``filesystem=``). Build it with a factory.

    Attributes:
        read_only_root: ``readOnlyRootFilesystem``. ``False`` for :meth:`writable`
            (the seed's value), ``True`` for :meth:`read_only`.
        data_size_limit: ``sizeLimit`` of the ``emptyDir`` mounted at
            ``/data`` (Redis's working directory) with :meth:`read_only`;
            ``None`` with :meth:`writable` (no volume).
    """

    read_only_root: bool
    data_size_limit: str | None

    _factories: ClassVar[str] = _FACTORIES

    def __repr__(self) -> str:
        """The factory call that builds this value."""
        if not self.read_only_root:
            return "RedisFilesystem.writable()"
        return f"RedisFilesystem.read_only(data_size_limit={self.data_size_limit!r})"

    @classmethod
    def writable(cls) -> RedisFilesystem:
        """``readOnlyRootFilesystem: false``, as the seed sets it, and no volume. The default."""
        return cls._build(read_only_root=False, data_size_limit=None)

    @classmethod
    def read_only(cls, *, data_size_limit: str = DEFAULT_DATA_SIZE_LIMIT) -> RedisFilesystem:
        """``readOnlyRootFilesystem: true`` with an ``emptyDir`` at ``/data`` (opt-in: changes a seed value).

        Args:
            data_size_limit: Default ``"64Mi"``. The ``emptyDir``'s ``sizeLimit``: whole bytes, at least ``1Mi``.
        """
        return cls._build(read_only_root=True, data_size_limit=data_size_limit)

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str = "filesystem") -> RedisFilesystem:
        """``filesystem``: a RedisFilesystem from a factory, with a valid ``sizeLimit``."""
        if not isinstance(value, RedisFilesystem):
            raise fail(path, "filesystem", value, "must be an agentsmith.RedisFilesystem", f"Use {_FACTORIES}.")
        boolean(path, "filesystem.read_only_root", value.read_only_root)
        if value.read_only_root:  # the /data emptyDir needs its sizeLimit
            redis_props.data_size_limit(
                path, value.data_size_limit, prop="filesystem.data_size_limit", example=DEFAULT_DATA_SIZE_LIMIT
            )
        return value


#: The seed's filesystem: writable root, no volume (:meth:`RedisFilesystem.writable`).
DEFAULT_FILESYSTEM: Final = RedisFilesystem.writable()
