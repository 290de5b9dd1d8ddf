"""Compare a synthesised object with the seed's manifest, field by field."""

from __future__ import annotations

from typing import Any


def field_diff(seed: Any, actual: Any, path: str = "") -> tuple[list[str], list[str]]:
    """Return (differences, extras).

    differences: seed fields that are missing or carry another value in ``actual``.
    extras: fields in ``actual`` that the seed does not have (JSON-pointer-like paths).
    Lists are compared item by item; items appended after the seed's are extras
    (``/args/6``), so a list may grow at its end but never lose or change a seed item.
    """
    if isinstance(seed, dict) and isinstance(actual, dict):
        differences: list[str] = []
        extras = [f"{path}/{key}" for key in sorted(set(actual) - set(seed))]
        for key in seed:
            if key not in actual:
                differences.append(f"{path}/{key}: missing")
                continue
            sub_diff, sub_extra = field_diff(seed[key], actual[key], f"{path}/{key}")
            differences += sub_diff
            extras += sub_extra
        return differences, extras
    if isinstance(seed, list) and isinstance(actual, list):
        if len(seed) > len(actual):
            return [f"{path}: {len(seed)} items in the seed, {len(actual)} synthesised"], []
        differences, extras = [], [f"{path}/{index}" for index in range(len(seed), len(actual))]
        for index, (seed_item, actual_item) in enumerate(zip(seed, actual[: len(seed)], strict=True)):
            sub_diff, sub_extra = field_diff(seed_item, actual_item, f"{path}/{index}")
            differences += sub_diff
            extras += sub_extra
        return differences, extras
    if seed != actual or type(seed) is not type(actual):
        return [f"{path}: seed {seed!r}, synthesised {actual!r}"], []
    return [], []
