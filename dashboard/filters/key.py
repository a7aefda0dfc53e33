"""The filtering part of a state as a cache key: what the query layer's caches are keyed on.

Two states with the same :func:`filter_key` select the same items for every chart, whatever their
table order, heatmap axes or open item. The key is a frozen tuple of plain values (hashable, for the
per-process caches); :meth:`FilterKey.digest` is its stable text form, the same in every process
(unlike ``hash()``, which Python salts per process), for shared caches and seeds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from dashboard.filters.fields import MASK_FIELDS
from dashboard.filters.state import FilterState


@dataclass(frozen=True)
class FilterKey:
    """``(field, value)`` for every field in :data:`dashboard.filters.fields.MASK_FIELDS`."""

    parts: tuple[tuple[str, object], ...]

    def digest(self) -> str:
        """16 hex characters from the canonical text of the parts (values are plain data and
        frozen dataclasses, whose ``repr`` is the same in every process)."""
        return hashlib.blake2b(repr(self.parts).encode("utf-8"), digest_size=8).hexdigest()


def filter_key(state: FilterState) -> FilterKey:
    return FilterKey(tuple((name, getattr(state, name)) for name in MASK_FIELDS))
