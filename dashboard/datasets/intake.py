"""Taking an upload into a dataset, as the Data page does it: roles chosen per column, every
problem found before anything is written, then a new dataset version (items, or transactions).

The page's controls come back from the browser, so every value here is checked as hostile: roles
must be known role names, columns must be the upload's own, the dataset must exist.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dashboard.config import Settings
from dashboard.datasets.checks import mapping_problems
from dashboard.datasets.mapping import ITEM_ROLES, ColumnMapping, TransactionMapping
from dashboard.datasets.presentation import read_presentation
from dashboard.datasets.profile import ColumnProfile, profile_table
from dashboard.datasets.store import (
    ITEMS_FILE,
    MAX_NAME_CHARS,
    DatasetInfo,
    DatasetStore,
    DatasetVersion,
    check_slug,
)
from dashboard.datasets.uploads import Upload, UploadArea
from dashboard.errors import InputError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    """What the page's next upload is for: a new dataset, a new version of one, or its
    transactions."""

    mode: str  # "new" | "refresh" | "transactions"
    dataset: str | None = None

    @classmethod
    def parse(cls, raw: object) -> Target:
        if not isinstance(raw, dict) or raw.get("mode") in (None, "new"):
            return cls("new")
        mode = raw.get("mode")
        if mode not in ("refresh", "transactions"):
            raise InputError("The page asked for an unknown kind of upload; reload it.")
        return cls(str(mode), check_slug(raw.get("dataset")))

    def to_json(self) -> dict[str, str | None]:
        return {"mode": self.mode, "dataset": self.dataset}


def profiles_of(area: UploadArea, upload: Upload) -> list[ColumnProfile]:
    # The first rows describe a large table well enough, and each reason says it is a sample.
    return profile_table(area.sample(upload), total_rows=upload.rows)


def roles_of(columns: Sequence[str], chosen: object) -> dict[str, str]:
    """``{column: role}`` from the page's dropdown values, one per column in table order."""
    if not isinstance(chosen, list) or len(chosen) != len(columns):
        raise InputError("The mapping does not match the uploaded table; upload the file again.")
    roles = {}
    for column, role in zip(columns, chosen, strict=True):
        if not isinstance(role, str) or role not in ITEM_ROLES:
            raise InputError(f"Choose a role for the column '{column}'.")
        roles[column] = role
    return roles


def labels_of(columns: Sequence[str], given: object) -> dict[str, object]:
    """``{column: label}`` from the page's label fields, one per column in table order."""
    if not isinstance(given, list) or len(given) != len(columns):
        raise InputError("The mapping does not match the uploaded table; upload the file again.")
    return dict(zip(columns, given, strict=True))


def prefilled_roles(profiles: Sequence[ColumnProfile], previous: ColumnMapping | None) -> list[str]:
    """The role each column starts with: the previous version's where the column is the same,
    else the suggestion."""
    if previous is None:
        return [p.role for p in profiles]
    names = {p.name for p in profiles}
    kept = [previous.target, previous.id, previous.volume, previous.group]
    kept += [previous.prediction, previous.lower, previous.upper]
    if not all(c is None or c in names for c in kept):
        return [p.role for p in profiles]
    return [previous.role_of(p.name) for p in profiles]


def draft_problems(table: pd.DataFrame | Path, roles: dict[str, str]) -> list[str]:
    """Every problem with scoring ``table`` under ``roles``, one sentence each; none if it can.

    ``table`` is best given as the upload's Parquet file: then only the mapped columns are read.
    """
    try:
        mapping = ColumnMapping.from_roles(roles)
    except InputError as refusal:
        return [str(refusal)]
    return mapping_problems(table, mapping)


def publish_upload(
    settings: Settings,
    area: UploadArea,
    upload_id: object,
    owner: str,
    roles: object,
    target: Target,
    name: object = None,
    shown: tuple[object, object] = (None, None),
) -> tuple[DatasetInfo, DatasetVersion]:
    """A new version (of a new dataset, or of ``target``'s) from an upload mapped with ``roles``
    and ``shown`` as (currency, one label per column); the upload is then discarded. InputError,
    with every problem, and nothing written otherwise."""
    if target.mode == "transactions":
        raise InputError("This upload is for transactions; save it with their mapping.")
    upload = area.get(upload_id, owner)
    path = area.table_path(upload)
    chosen = roles_of(upload.columns, roles)
    currency, labels = shown
    labelled = labels_of(upload.columns, labels) if labels is not None else {}
    presentation, problems = read_presentation(upload.columns, currency, labelled)
    problems += draft_problems(path, chosen)
    if problems:
        raise InputError(" ".join(problems))
    store = DatasetStore(settings.datasets_dir)
    if target.mode == "refresh":
        info = store.get(str(target.dataset))
    else:
        info = store.create(str(name) if isinstance(name, str) else "", created_by=owner)
    try:
        version = store.add_version(
            info.slug,
            path,
            presentation.applied_to(ColumnMapping.from_roles(chosen)),
            created_by=owner,
            source=upload.file_name,
        )
    except BaseException:
        if target.mode != "refresh":
            store.discard_if_empty(info.slug)  # no dataset without a version is left listed
        raise
    area.discard(upload.upload_id, owner)
    return store.get(info.slug), version


def transaction_mapping(
    item: object, date: object, quantity: object, net_price: object, scope: object
) -> TransactionMapping:
    for role, value in (
        ("item id", item),
        ("date", date),
        ("quantity", quantity),
        ("net price", net_price),
    ):
        if not isinstance(value, str) or not value:
            raise InputError(f"Choose the transactions' {role} column.")
    scopes = scope if isinstance(scope, list) else []
    if not all(isinstance(s, str) for s in scopes):
        raise InputError("Choose the scope columns from the list.")
    return TransactionMapping(
        item=str(item),
        date=str(date),
        quantity=str(quantity),
        net_price=str(net_price),
        scope=tuple(scopes),
    )


def add_transactions(
    settings: Settings,
    area: UploadArea,
    upload_id: object,
    owner: str,
    target: Target,
    mapping: TransactionMapping,
) -> DatasetVersion:
    """A new version of ``target``'s dataset: its latest items and mapping with these
    transactions. The upload is then discarded."""
    if target.mode != "transactions" or target.dataset is None:
        raise InputError("Choose the dataset these transactions belong to.")
    store = DatasetStore(settings.datasets_dir)
    info = store.get(target.dataset)
    latest = info.latest
    if latest is None:
        raise InputError(f"The dataset '{info.name}' has no items yet: upload its table first.")
    upload = area.get(upload_id, owner)
    problems = mapping.problems(upload.columns)
    if problems:
        raise InputError(" ".join(problems))
    version = store.add_version(
        info.slug,
        store.version_dir(info.slug, latest.version_id) / ITEMS_FILE,
        latest.mapping,
        created_by=owner,
        source=latest.source,
        transactions=area.table_path(upload),
        transaction_mapping=mapping,
    )
    area.discard(upload.upload_id, owner)
    logger.info("%s added %s transactions to %s", owner, version.transaction_rows, info.slug)
    return version


_TRANSACTION_NAMES = {
    "item": re.compile(r"(item|sku|product|article|part)", re.IGNORECASE),
    "date": re.compile(r"(date|day|time|period)", re.IGNORECASE),
    "quantity": re.compile(r"(qty|quantity|units|volume|pieces)", re.IGNORECASE),
    "net_price": re.compile(r"(net|price|amount|revenue)", re.IGNORECASE),
}


def guess_transaction_columns(columns: Sequence[str]) -> dict[str, str | None]:
    """The column each transactions role most likely is, by name; None where none fits."""
    guessed: dict[str, str | None] = {}
    taken: set[str] = set()
    for role, pattern in _TRANSACTION_NAMES.items():
        found = next((c for c in columns if c not in taken and pattern.search(c)), None)
        guessed[role] = found
        if found is not None:
            taken.add(found)
    return guessed


_TABLE_SUFFIX = re.compile(r"\.(csv|tsv|txt|parquet|pq|xlsx)(\.gz)?$", re.IGNORECASE)


def suggested_name(file_name: str) -> str:
    """A dataset name from an uploaded file's name: "prices_2026-11.csv" → "prices 2026-11"."""
    stem = _TABLE_SUFFIX.sub("", file_name)
    return " ".join(stem.replace("_", " ").split())[:MAX_NAME_CHARS] or "My catalogue"
