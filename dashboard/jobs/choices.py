"""What a recompute scope can pick (regions, customer segments, channels) and where the data ends.

Both come from the transactions file, which is large, so they are read once per *data version*
(the manifest's ``data_version``, which changes whenever the transactions are regenerated) and kept
as frozen facts. A version's facts never change once read, so an entry is never stale; a new
transactions file simply brings a new version. One :class:`ScopeCatalogue` belongs to the app's
services and is shared by the Jobs page (its dropdowns) and the queueing of a job (validation).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from dashboard.aggregation import data_end_date
from dashboard.config import Settings
from dashboard.errors import InputError
from dashboard.jobs.recompute import TransactionSource


@dataclass(frozen=True)
class ScopeFacts:
    """One version of the transactions: the values each scope list may hold, and its last day."""

    data_version: str
    choices: Mapping[str, tuple[str, ...]]
    data_end: date


class ScopeCatalogue:
    """The scope facts of the last few transactions versions seen by this process."""

    def __init__(self, versions_kept: int = 2) -> None:
        self._versions_kept = versions_kept
        self._facts: OrderedDict[str, ScopeFacts] = OrderedDict()
        self._lock = threading.Lock()

    def facts(self, settings: Settings) -> ScopeFacts:
        """The facts of the transactions on disk now; :class:`InputError` if there are none."""
        source = TransactionSource.of(settings)
        with self._lock:
            known = self._facts.get(source.data_version)
        if known is not None:
            return known
        # Read outside the lock: two first requests may both read, and both get the same facts.
        facts = ScopeFacts(
            source.data_version,
            MappingProxyType(source.choices()),  # shared by every request: nobody may change it
            data_end_date(source.transactions),
        )
        with self._lock:
            self._facts[source.data_version] = facts
            while len(self._facts) > self._versions_kept:
                self._facts.popitem(last=False)
        return facts

    def choices(self, settings: Settings) -> Mapping[str, tuple[str, ...]]:
        """The values each scope list may hold; empty when there are no transactions yet."""
        try:
            return self.facts(settings).choices
        except InputError:
            return MappingProxyType({})
