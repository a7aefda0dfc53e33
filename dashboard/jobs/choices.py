"""What a recompute scope can pick (the dataset's scope columns and their values), where the data
ends, and which datasets have transactions at all.

The facts come from a transactions file, which is large, so they are read once per *dataset
version* and kept as frozen facts. A version is immutable once written, so an entry is never
stale; new transactions arrive as a new version. One :class:`ScopeCatalogue` belongs to the app's
services and is shared by the Jobs page (its dropdowns) and the queueing of a job (validation).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from dashboard.config import Settings
from dashboard.datasets.store import DatasetStore
from dashboard.errors import InputError
from dashboard.jobs.recompute import TransactionSource
from dashboard.runs import DEMO_DATASET

#: A scope column with more distinct values than this is not offered as a filter: a dropdown of
#: thousands of customer ids helps nobody, and every value would travel to the browser.
MAX_SCOPE_VALUES = 2_000


@dataclass(frozen=True)
class ScopeFacts:
    """One dataset version's transactions: the values each scope column may hold, its last day."""

    dataset: str
    dataset_name: str
    data_version: str
    choices: Mapping[str, tuple[str, ...]]
    data_end: date
    too_varied: tuple[str, ...] = ()  # scope columns left out for having too many values


@dataclass(frozen=True)
class DatasetChoice:
    slug: str
    name: str
    has_transactions: bool


def dataset_choices(settings: Settings) -> list[DatasetChoice]:
    """Every dataset, those with transactions first (each group in the store's order)."""
    found = [
        DatasetChoice(info.slug, info.name, any(version.transactions for version in info.versions))
        for info in DatasetStore(settings.datasets_dir).list()
    ]
    return sorted(found, key=lambda choice: not choice.has_transactions)


class ScopeCatalogue:
    """The scope facts of the last few dataset versions seen by this process."""

    def __init__(self, versions_kept: int = 8) -> None:
        self._versions_kept = versions_kept
        self._facts: OrderedDict[tuple[str, str], ScopeFacts] = OrderedDict()
        self._lock = threading.Lock()

    def facts(self, settings: Settings, dataset: str = DEMO_DATASET) -> ScopeFacts:
        """The facts of the dataset's transactions on disk now; :class:`InputError` (a sentence)
        if the dataset is unknown or has none."""
        source = TransactionSource.of(settings, dataset)
        cache_key = (source.dataset, source.data_version)
        with self._lock:
            known = self._facts.get(cache_key)
        if known is not None:
            return known
        # Read outside the lock: two first requests may both read, and both get the same facts.
        every = source.choices()
        offered = {c: v for c, v in every.items() if len(v) <= MAX_SCOPE_VALUES}
        facts = ScopeFacts(
            dataset=source.dataset,
            dataset_name=source.dataset_name,
            data_version=source.data_version,
            choices=MappingProxyType(offered),  # shared by every request: nobody may change it
            data_end=source.data_end(),
            too_varied=tuple(c for c in every if c not in offered),
        )
        with self._lock:
            self._facts[cache_key] = facts
            while len(self._facts) > self._versions_kept:
                self._facts.popitem(last=False)
        return facts

    def choices(
        self, settings: Settings, dataset: str = DEMO_DATASET
    ) -> Mapping[str, tuple[str, ...]]:
        """The values each scope column may hold; empty when there are no transactions."""
        try:
            return self.facts(settings, dataset).choices
        except InputError:
            return MappingProxyType({})
