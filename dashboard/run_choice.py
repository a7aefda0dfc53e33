"""Choosing a run: the runs grouped by the dataset they scored, and which run a page is about.

The navbar's run switcher and the Decisions page list runs per dataset under the dataset's name;
the badge names the run on screen (a page's ``?run=`` when it has a valid one, else the current
run, or the run shown instead of a current run that cannot be read); the Decisions page counts a dataset's decisions against the current run when that run is of
the dataset, else against the dataset's newest run.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from dashboard.datasets.store import DatasetStore
from dashboard.errors import InputError
from dashboard.runs import DEMO_DATASET, RunInfo, RunStore, Serving

logger = logging.getLogger(__name__)

#: What the damaged-current-run banner tells an admin to run.
FALLBACK_FIX = "python -m dashboard runs --check"


@dataclass(frozen=True)
class DatasetRuns:
    """One dataset's runs, newest first, under the name the dataset was given."""

    dataset: str
    name: str
    runs: tuple[RunInfo, ...]


def dataset_names(datasets: DatasetStore) -> dict[str, str]:
    """``{dataset key: name}`` of every dataset, the demo first, then by name."""
    return {info.slug: info.name for info in datasets.list()}


def name_of(dataset: str, names: dict[str, str]) -> str:
    """The dataset's name; its key when it is gone from the store (its runs and decisions stay)."""
    return names.get(dataset, dataset)


def runs_by_dataset(runs: RunStore, datasets: DatasetStore) -> list[DatasetRuns]:
    """Every dataset with a run, in the store's order (the demo first, then by name), then any
    dataset whose runs outlived it, by key."""
    names = dataset_names(datasets)
    grouped: dict[str, list[RunInfo]] = {}
    for info in runs.list_runs():  # newest first, and so stays each group
        grouped.setdefault(info.dataset, []).append(info)
    known = [slug for slug in names if slug in grouped]
    orphans = sorted(slug for slug in grouped if slug not in names)
    return [
        DatasetRuns(slug, name_of(slug, names), tuple(grouped[slug])) for slug in known + orphans
    ]


def run_on_screen(runs: RunStore, requested: object = None) -> RunInfo | None:
    """The run a page shows: the one its address asks for when that is a published run, else the
    current run (what the pages themselves fall back to)."""
    if isinstance(requested, str) and requested:
        try:
            return runs.info(requested)
        except InputError:
            logger.info("run %r asked for by a page address cannot be shown", requested[:80])
    return current_shown(runs)


def current_shown(runs: RunStore) -> RunInfo | None:
    """The run the pages show as current: the current run, or the readable run they fall back to
    when it cannot be read (see ``RunStore.serving``)."""
    serving = runs.serving()
    if serving.run is not None:
        return serving.run.info
    with contextlib.suppress(InputError):  # no run can be read: name the current one, if any
        return runs.current()
    return None


def fallback_notice(serving: Serving) -> str | None:
    """The banner's sentence when the current run cannot be read; ``None`` when it can. How to fix
    it (``FALLBACK_FIX``) follows it."""
    damage = serving.damaged
    if damage is None:
        return None
    if serving.run is None:
        return f"Run {damage.run_id} cannot be read: {damage.reason}, and no other run can."
    return (
        f"Run {damage.run_id} cannot be read: {damage.reason}. Showing run "
        f"{serving.run.run_id} instead."
    )


def decisions_run(runs: RunStore, dataset: str) -> RunInfo | None:
    """The run a dataset's decisions are counted against: the current run when it is of the
    dataset, else the dataset's newest run; ``None`` when the dataset has none."""
    current = current_shown(runs)
    if current is not None and current.dataset == dataset:
        return current
    newest = runs.list_runs(dataset=dataset)
    return newest[0] if newest else None


def default_dataset(runs: RunStore) -> str:
    """The dataset a page is about when it names none: the current run's (the one shown)."""
    current = current_shown(runs)
    return current.dataset if current is not None else DEMO_DATASET


def run_address(path: str, run_id: str | None) -> str:
    """``path`` showing ``run_id`` (``/explorer?run=…``), or ``path`` itself for the current run."""
    return f"{path}?run={run_id}" if run_id else path
