"""What a run is: its manifest (``RunInfo``), its column roles, the loaded form (``Run``), run ids
and the compact in-memory form of its items."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from dashboard.errors import InputError
from dashboard.scoring.items import ITEM_COLUMNS

CURRENT_POINTER = "CURRENT"
ITEMS_FILE = "items.parquet"
CARD_FILE = "model_card.json"
MANIFEST_FILE = "run.json"
# The fitted fold models behind the fair prices (joblib), for explaining an item's price.
MODELS_FILE = "models.joblib"
# The scoring columns every run has, first and in this order: what scoring produces per item.
SCORING_COLUMNS = ITEM_COLUMNS
# Time to the microsecond, then random hex: ids sort in publication order and never collide.
RUN_ID_PATTERN = re.compile(r"^\d{8}T\d{12}Z-[0-9a-f]{6}$")
# Categorical columns with more distinct values than this are not offered as segment filters.
MAX_SEGMENT_VALUES = 400
#: The dataset of runs that name none: the demo catalogue, and runs published before datasets.
DEMO_DATASET = "demo"


@dataclass(frozen=True)
class RunColumns:
    """Which column of the run plays which role."""

    id: str | None
    target: str
    volume: str | None
    group: str | None
    segments: tuple[str, ...]
    features: tuple[str, ...]


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    created_at: str
    label: str
    rows: int
    columns: RunColumns
    source: dict[str, Any] = field(default_factory=dict)
    scope: dict[str, Any] = field(default_factory=dict)
    # Per file of the run: its size, sha256 and (tables) row count; empty for runs from before.
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def dataset(self) -> str:
        """The key of the dataset this run scored (see ``dashboard.datasets``)."""
        return str(self.source.get("dataset") or DEMO_DATASET)

    @property
    def dataset_version(self) -> str | None:
        version = self.source.get("version")
        return str(version) if version else None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> RunInfo:
        cols = raw["columns"]
        return cls(
            run_id=str(raw["run_id"]),
            created_at=str(raw["created_at"]),
            label=str(raw["label"]),
            rows=int(raw["rows"]),
            columns=RunColumns(
                id=cols.get("id"),
                target=str(cols["target"]),
                volume=cols.get("volume"),
                group=cols.get("group"),
                segments=tuple(cols.get("segments", ())),
                features=tuple(cols.get("features", ())),
            ),
            source=dict(raw.get("source", {})),
            scope=dict(raw.get("scope", {})),
            files={str(k): dict(v) for k, v in dict(raw.get("files") or {}).items()},
        )


@dataclass(frozen=True)
class CurrentChoice:
    """Which run is current, who made it so and when (ISO time); both empty for old pointers."""

    run_id: str
    made_by: str = ""
    made_at: str = ""


@dataclass(frozen=True)
class Run:
    """A loaded run: read-only after load, shared by every request in the process."""

    info: RunInfo
    items: pd.DataFrame
    model_card: dict[str, Any]

    @property
    def run_id(self) -> str:
        return self.info.run_id

    @property
    def warnings(self) -> tuple[str, ...]:
        """The scoring warnings of the run (a leaky column…), from its model card."""
        return card_warnings(self.model_card)


def new_run_id(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def check_run_id(run_id: str) -> str:
    """Return ``run_id`` if it is well formed; it names a directory, so nothing else gets through."""
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.match(run_id):
        raise InputError(
            f"{run_id!r} is not a run id (expected something like 20261121T193000123456Z-3f9a2c)."
        )
    return run_id


def compact(items: pd.DataFrame) -> pd.DataFrame:
    """The in-memory form: repeated strings as categoricals; money and scores stay float64."""
    out: dict[str, pd.Series] = {}
    for name in items.columns:
        column = items[name]
        if name == "item_id":
            out[name] = column.astype("string")
        elif pd.api.types.is_string_dtype(column) or column.dtype == object:
            few = column.nunique(dropna=True) <= max(len(column) // 2, 1)
            out[name] = column.astype("category") if few else column
        else:
            out[name] = column
    return pd.DataFrame(out, index=pd.RangeIndex(len(items)))


def card_warnings(card: Mapping[str, Any]) -> tuple[str, ...]:
    """A model card's ``warnings``: the sentences scoring wrote about this run's data."""
    raw = card.get("warnings") if isinstance(card, Mapping) else None
    return tuple(str(w) for w in raw) if isinstance(raw, list) else ()
