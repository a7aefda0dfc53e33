"""Runs: immutable, versioned scoring results, published atomically, checked when loaded.

``model`` says what a run is, ``files`` where its bytes live (a directory or an fsspec URL),
``manifest`` what its manifest promises about each file, ``store`` publishes, lists, checks and loads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dashboard.runs.manifest import DamagedRunError
from dashboard.runs.model import (
    CARD_FILE,
    CURRENT_POINTER,
    DEMO_DATASET,
    ITEMS_FILE,
    MANIFEST_FILE,
    MAX_SEGMENT_VALUES,
    MODELS_FILE,
    SCORING_COLUMNS,
    CurrentChoice,
    Run,
    RunColumns,
    RunInfo,
    card_warnings,
    check_run_id,
    compact,
    new_run_id,
)
from dashboard.runs.store import RunStore, Serving

if TYPE_CHECKING:
    from dashboard.config import Settings

__all__ = [
    "CARD_FILE",
    "CURRENT_POINTER",
    "DEMO_DATASET",
    "ITEMS_FILE",
    "MANIFEST_FILE",
    "MAX_SEGMENT_VALUES",
    "MODELS_FILE",
    "SCORING_COLUMNS",
    "CurrentChoice",
    "DamagedRunError",
    "Run",
    "RunColumns",
    "RunInfo",
    "RunStore",
    "Serving",
    "card_warnings",
    "check_run_id",
    "compact",
    "new_run_id",
    "run_store",
]


def run_store(settings: Settings) -> RunStore:
    """The run store ``PRICESCOPE_RUNS_URL`` names: a local directory or an fsspec URL (``file://``,
    ``memory://``, ``s3://`` with s3fs installed…); the data directory's ``runs`` without it."""
    url = settings.runs_url
    return RunStore(url if url and "://" in url else settings.runs_dir)
