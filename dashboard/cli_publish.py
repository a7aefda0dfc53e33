"""``python -m dashboard score FILE --publish NAME``: a scored file kept as a dataset version, and
its run published, in one step (the dataset is created, or gets a new version when it exists
with the same roles). The run becomes current only with ``--make-current`` (or when no run is
current yet): what every user sees changes on purpose, never as a side effect."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd

from dashboard.cli_datasets import dataset_settings, operator_name
from dashboard.config import Settings
from dashboard.datasets.mapping import ColumnMapping
from dashboard.datasets.sources import check_limits
from dashboard.datasets.store import DatasetInfo, DatasetStore, DatasetVersion, check_name
from dashboard.errors import InputError
from dashboard.run_notices import publication_note
from dashboard.runs import run_store

if TYPE_CHECKING:
    from dashboard.scoring import ScoringConfig, ScoringResult


@dataclass(frozen=True)
class PublishPlan:
    """Where ``score --publish`` will put its run, checked before the (long) scoring starts."""

    settings: Settings
    name: str
    mapping: ColumnMapping
    existing: DatasetInfo | None

    def check_table(self, table: pd.DataFrame, source: str) -> None:
        """The limits of an upload, checked before scoring rather than after."""
        check_limits(table, self.settings, f"'{source}'")


def plan_publish(name: str, mapping: ColumnMapping) -> PublishPlan:
    """The name is usable and, when the dataset exists, its latest version is mapped the same way
    (a scored file cannot become a version of a dataset that reads its columns differently)."""
    settings = dataset_settings()
    clean = check_name(name)
    existing = DatasetStore(settings.datasets_dir).find(clean)
    latest = existing.latest if existing else None
    if existing is not None and latest is not None:
        if not _same_roles(latest.mapping, mapping):
            raise InputError(
                f"The dataset '{existing.name}' is mapped differently ({_roles_text(latest)}); "
                "publish under another name, or give the same roles."
            )
        mapping = replace(mapping, segments=latest.mapping.segments)
    return PublishPlan(settings, clean, mapping, existing)


def publish_scored_file(
    plan: PublishPlan,
    table: pd.DataFrame,
    shown: pd.DataFrame,
    result: ScoringResult,
    config: ScoringConfig,
    source: str,
    *,
    make_current: bool = False,
) -> str:
    """Keep ``table`` as a new version of the dataset and publish its scores as a run (current
    when ``make_current``), labelled and sourced as
    :func:`dashboard.datasets.scoring.score_version` labels its runs; the sentence to print."""
    from dashboard.datasets.scoring import publish_version_run

    store = DatasetStore(plan.settings.datasets_dir)
    info = plan.existing or store.create(plan.name, created_by=operator_name())
    latest = plan.existing.latest if plan.existing else None
    # As a refresh does: the order lines stay with the dataset when its price list changes.
    lines = store.transactions_path(info.slug, latest.version_id) if latest else None
    try:
        version = store.add_version(
            info.slug,
            table,
            plan.mapping,
            created_by=operator_name(),
            source=source,
            transactions=lines,
            transaction_mapping=latest.transactions if lines and latest else None,
        )
    except BaseException:
        if plan.existing is None:
            store.discard_if_empty(info.slug)
        raise
    run = publish_version_run(
        plan.settings, info, version, shown, result, config, make_current=make_current
    )
    head = (
        f"Published run {run.run_id} ({run.label}) as {version.label} of the dataset '{info.name}'"
    )
    return f"{head}; {publication_note(run, run_store(plan.settings).current_id())}"


def _same_roles(stored: ColumnMapping, given: ColumnMapping) -> bool:
    """The roles ``score`` can give are the same; segments are the dataset's own and carry over."""
    return replace(stored, segments=(), excluded=tuple(sorted(stored.excluded))) == replace(
        given, segments=(), excluded=tuple(sorted(given.excluded))
    )


def _roles_text(version: DatasetVersion) -> str:
    mapping = version.mapping
    parts = [f"--target {mapping.target}"]
    for flag, column in (("id", mapping.id), ("volume", mapping.volume), ("group", mapping.group)):
        if column:
            parts.append(f"--{flag} {column}")
    parts += [f"--exclude {column}" for column in mapping.excluded]
    if mapping.prediction:
        parts.append(f"--prediction {mapping.prediction}")
    return f"{version.label}: {' '.join(parts)}"
