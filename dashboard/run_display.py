"""The display of a run: its dataset version's currency and column labels, else the defaults."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from dashboard.config import Settings
from dashboard.datasets.store import DatasetStore
from dashboard.display import Display
from dashboard.errors import InputError
from dashboard.runs import RunInfo

logger = logging.getLogger(__name__)


def display_for(settings: Settings, run: RunInfo | None) -> Display:
    """How ``run`` reads on screen. A run without a dataset version (a CLI run, a run from before
    datasets) gets the ``PRICESCOPE_CURRENCY`` setting and the built-in labels."""
    if run is None or run.dataset_version is None:
        return Display(currency=settings.currency)
    return _cached(str(settings.datasets_dir), run.dataset, run.dataset_version, settings.currency)


@lru_cache(maxsize=128)
def _cached(datasets_dir: str, dataset: str, version: str, default_currency: str) -> Display:
    # A dataset version is immutable, so what it says holds for the life of the process.
    try:
        mapping = DatasetStore(Path(datasets_dir)).get(dataset).version(version).mapping
    except (InputError, OSError, ValueError, KeyError) as error:
        logger.info("no display settings for %s/%s: %s", dataset, version, error)
        return Display(currency=default_currency)
    return Display(currency=mapping.currency or default_currency, labels=dict(mapping.labels))
