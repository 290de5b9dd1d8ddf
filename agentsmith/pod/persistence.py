"""Whether Redis keeps its data across restarts (append-only file on a PersistentVolumeClaim), as one value."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from agentsmith.core.rules import PathArg, boolean, dns_subdomain, fail, quantity
from agentsmith.core.values import FactoryBuilt

__all__ = ["DEFAULT_PERSISTENCE", "DEFAULT_VOLUME_SIZE", "RedisPersistence"]

#: ``resources.requests.storage`` of the claim of :meth:`RedisPersistence.append_only`.
DEFAULT_VOLUME_SIZE: Final = "1Gi"
#: ``--appendfsync`` values (redis.conf, "appendfsync").
FSYNC_POLICIES: Final = ("always", "everysec", "no")
#: The claim's access modes in Kubernetes 1.27 that let Redis write (``ReadOnlyMany`` does not).
ACCESS_MODES: Final = ("ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany")
#: redis.conf's ``auto-aof-rewrite-min-size``: the AOF reaches this size before its first rewrite.
AOF_REWRITE_MIN_SIZE: Final = 64 * 2**20
#: The volume holds at least this many times ``max(maxmemory, 64mb)`` (:func:`volume_fits`).
VOLUME_SHARE: Final = 3
_MAX_BYTES: Final = 2**63 - 1
_FACTORIES: Final = (
    "RedisPersistence.none() or RedisPersistence.append_only(size='1Gi', storage_class=None, "
    "access_mode='ReadWriteOnce', fsync='everysec')"
)


@dataclass(frozen=True, init=False, repr=False)
class RedisPersistence(FactoryBuilt):
    """Whether Redis keeps its data across restarts (``persistence=``). Build it with a factory.

    Attributes:
        enabled: ``False`` for :meth:`none` (the seed: memory only, no volume), ``True`` for
            :meth:`append_only` (``--appendonly yes`` and a PersistentVolumeClaim at ``/data``).
        size: The claim's ``resources.requests.storage``; ``None`` with :meth:`none`.
        storage_class: The claim's ``storageClassName``; ``None``: the cluster's default class (omitted).
        access_mode: The claim's one access mode; ``None`` with :meth:`none`.
        fsync: ``--appendfsync``; ``None`` with :meth:`none`.
    """

    enabled: bool
    size: str | None
    storage_class: str | None
    access_mode: str | None
    fsync: str | None

    _factories: ClassVar[str] = _FACTORIES

    def __repr__(self) -> str:
        """The factory call that builds this value."""
        if not self.enabled:
            return "RedisPersistence.none()"
        return (
            f"RedisPersistence.append_only(size={self.size!r}, storage_class={self.storage_class!r}, "
            f"access_mode={self.access_mode!r}, fsync={self.fsync!r})"
        )

    @classmethod
    def none(cls) -> RedisPersistence:
        """Memory only, as the seed has it: no volume, no append-only file (``--save ""`` alone). The default."""
        return cls._build(enabled=False, size=None, storage_class=None, access_mode=None, fsync=None)

    @classmethod
    def append_only(
        cls,
        *,
        size: str = DEFAULT_VOLUME_SIZE,
        storage_class: str | None = None,
        access_mode: str = "ReadWriteOnce",
        fsync: str = "everysec",
    ) -> RedisPersistence:
        """``--appendonly yes`` on a PersistentVolumeClaim ``<name>-data`` mounted at ``/data`` (opt-in).

        ``--save ""`` stays: the append-only file is the only persistence. With it on, ``maxmemory`` must fit
        in half of ``resources.memory_limit`` (an AOF rewrite forks Redis) and ``size`` must hold three times
        ``max(maxmemory, 64mb)`` (docs/operations.md, "Persistence").

        Args:
            size: Default ``"1Gi"``. The claim's storage request: a Kubernetes quantity in whole bytes.
            storage_class: Default ``None``: the cluster's default StorageClass. A StorageClass name, or ``""``
                for a pre-provisioned PersistentVolume without a class.
            access_mode: Default ``"ReadWriteOnce"``. Or ``"ReadWriteOncePod"`` or ``"ReadWriteMany"``.
            fsync: Default ``"everysec"`` (Redis's own; up to one second of writes lost on a crash).
                ``"always"`` or ``"no"`` (the kernel decides).
        """
        return cls._build(enabled=True, size=size, storage_class=storage_class, access_mode=access_mode, fsync=fsync)

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str = "persistence") -> RedisPersistence:
        """``persistence``: a RedisPersistence from a factory, with a valid size, class, mode and fsync."""
        if not isinstance(value, RedisPersistence):
            raise fail(path, prop, value, "must be an agentsmith.RedisPersistence", f"Use {_FACTORIES}.")
        if not boolean(path, f"{prop}.enabled", value.enabled):
            return value
        if quantity(path, f"{prop}.size", value.size, example=DEFAULT_VOLUME_SIZE, whole=True) > _MAX_BYTES:
            rule = f"must be at most {_MAX_BYTES} bytes (a signed 64-bit count, as Kubernetes reads a quantity)"
            raise fail(path, f"{prop}.size", value.size, rule, "Use a realistic size such as '1Gi' or '100Gi'.")
        if value.storage_class not in (None, ""):
            dns_subdomain(path, f"{prop}.storage_class", value.storage_class)
        _one_of(path, f"{prop}.access_mode", value.access_mode, ACCESS_MODES, default="ReadWriteOnce")
        _one_of(path, f"{prop}.fsync", value.fsync, FSYNC_POLICIES, default="everysec")
        return value


#: Short names of access modes (kubectl's columns), for a did-you-mean.
_ACCESS_MODE_SHORT: Final = {"rwo": "ReadWriteOnce", "rwop": "ReadWriteOncePod", "rwx": "ReadWriteMany"}


def _one_of(path: PathArg, prop: str, value: object, allowed: tuple[str, ...], *, default: str) -> str:
    """``value`` is one of ``allowed`` (exact spelling), with a did-you-mean for a near miss."""
    if isinstance(value, str) and value in allowed:
        return value
    if value == "ReadOnlyMany":
        rule = "must let Redis write the append-only file ('ReadOnlyMany' mounts the volume read-only)"
        raise fail(path, prop, value, rule, f"Use {default!r} (the default).")
    rule = f"must be one of {', '.join(allowed)}"
    lowered = {option.lower(): option for option in allowed}
    typed = str(value).strip().replace("_", "").replace("-", "").lower()
    if typed in _ACCESS_MODE_SHORT:
        full = _ACCESS_MODE_SHORT[typed]
        raise fail(path, prop, value, rule, f"Use {full!r} ({value!r} is its short name).")
    close = next(iter(difflib.get_close_matches(typed, lowered, n=1)), None)
    candidate = lowered.get(close) if close else None
    hint = f"Did you mean {candidate!r}?" if candidate and candidate != value else f"Use {default!r} (the default)."
    raise fail(path, prop, value, rule, hint)


def volume_fits(path: PathArg, value: RedisPersistence, maxmemory: str, maxmemory_bytes: int) -> None:
    """``persistence.size`` holds ``VOLUME_SHARE`` (3) x ``max(maxmemory, 64mb)``: at a rewrite's start the AOF's
    base and its increments hold about ``maxmemory`` each (a rewrite starts when the file has doubled, from 64mb
    on), and the rewrite writes a new base beside them before it deletes the old files."""
    if not value.enabled or value.size is None:
        return
    needed = VOLUME_SHARE * max(maxmemory_bytes, AOF_REWRITE_MIN_SIZE)
    if quantity(path, "persistence.size", value.size, example=DEFAULT_VOLUME_SIZE, whole=True) < needed:
        mebibytes = -(-needed // 2**20)
        raise fail(
            path,
            "persistence.size",
            value.size,
            f"must hold {VOLUME_SHARE} x max('maxmemory' ({maxmemory}), 64mb) = {mebibytes}Mi: during an AOF "
            "rewrite the old base and increments and the new base are on the volume together, and Redis refuses "
            "writes once the disk is full",
            f"Use at least '{mebibytes}Mi', or lower 'maxmemory'.",
        )


def redis_args(value: RedisPersistence, data_path: str) -> list[str]:
    """``--appendonly yes --appendfsync <fsync> --dir <data_path>`` with append-only, else nothing."""
    if not value.enabled or value.fsync is None:
        return []
    return ["--appendonly", "yes", "--appendfsync", value.fsync, "--dir", data_path]


def claim_manifest(value: RedisPersistence, *, metadata: dict[str, Any]) -> dict[str, Any]:
    """The PersistentVolumeClaim of :meth:`RedisPersistence.append_only`."""
    spec: dict[str, Any] = {"accessModes": [value.access_mode], "resources": {"requests": {"storage": value.size}}}
    if value.storage_class is not None:
        spec["storageClassName"] = value.storage_class
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata, "spec": spec}


#: The seed's choice: memory only, no volume (:meth:`RedisPersistence.none`).
DEFAULT_PERSISTENCE: Final = RedisPersistence.none()
