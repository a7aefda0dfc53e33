"""Datasets: the analyst's own catalogues (and transactions), versioned, mapped and scored."""

from dashboard.datasets.mapping import ColumnMapping, TransactionMapping
from dashboard.datasets.store import DEMO_NAME, DatasetInfo, DatasetStore, DatasetVersion

__all__ = [
    "DEMO_NAME",
    "ColumnMapping",
    "DatasetInfo",
    "DatasetStore",
    "DatasetVersion",
    "TransactionMapping",
]
