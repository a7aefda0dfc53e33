"""Runs: immutable, versioned scoring results on disk, published atomically.

Layout under the runs directory::

    runs/
      CURRENT                      the id of the current run (first line), then who made it current
                                   and when (a JSON line), swapped with os.replace
      20261121T193000123456Z-3f9a2c/     one directory per run, never modified once published
        items.parquet              input columns + the scoring columns, one row per item
        model_card.json            metrics, coverage, features used and dropped
        run.json                   the manifest: id, time, source, scope, column roles

A run is written into a hidden staging directory, flushed to disk, renamed into place (an atomic
rename on one file system), and only then does ``CURRENT`` change. A reader therefore sees either the
previous run or the new one, complete. Earlier runs are kept.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import shutil
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

from dashboard.errors import InputError
from dashboard.scoring.items import ITEM_COLUMNS

logger = logging.getLogger(__name__)

CURRENT_POINTER = "CURRENT"
ITEMS_FILE = "items.parquet"
CARD_FILE = "model_card.json"
MANIFEST_FILE = "run.json"
# The fitted fold models behind the fair prices (joblib), for explaining an item's price.
MODELS_FILE = "models.joblib"
# The scoring columns every run has, first and in this order: what scoring produces per item.
SCORING_COLUMNS = ITEM_COLUMNS
# Time to the microsecond, then random hex: ids sort in publication order and never collide.
_RUN_ID = re.compile(r"^\d{8}T\d{12}Z-[0-9a-f]{6}$")
# Categorical columns with more distinct values than this are not offered as segment filters.
MAX_SEGMENT_VALUES = 400
_LOADED_RUNS_KEPT = 3
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
    if not isinstance(run_id, str) or not _RUN_ID.match(run_id):
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


class RunStore:
    """Publishes, lists and loads runs under one directory.

    Loaded runs are kept per process (a small LRU keyed by run id; runs are immutable, so a cached run
    never goes stale). The current pointer is re-read on every call, which is one small file read, so
    a process notices a newly published run without restarting.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._loaded: OrderedDict[str, Run] = OrderedDict()
        self._models: OrderedDict[str, Any] = OrderedDict()

    # -- publishing -------------------------------------------------------------------------
    def publish(
        self,
        items: pd.DataFrame,
        model_card: Mapping[str, Any],
        *,
        columns: RunColumns,
        label: str,
        source: Mapping[str, Any] | None = None,
        scope: Mapping[str, Any] | None = None,
        make_current: bool = False,
        fold_models: object | None = None,
    ) -> RunInfo:
        """Writes a run atomically; current only when asked, or when no run is current at all:
        what every page shows to everyone changes by decision, not as a job's side effect."""
        missing = [c for c in SCORING_COLUMNS if c not in items.columns]
        if missing:
            raise ValueError(f"items lack scoring columns: {missing}")
        self.root.mkdir(parents=True, exist_ok=True)
        info = RunInfo(
            run_id=new_run_id(),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            label=label,
            rows=len(items),
            columns=columns,
            source=dict(source or {}),
            scope=dict(scope or {}),
        )
        staging = self.root / f".staging-{info.run_id}"
        try:
            staging.mkdir()
            items.to_parquet(staging / ITEMS_FILE, index=False)
            _write_json(staging / CARD_FILE, dict(model_card))
            _write_json(staging / MANIFEST_FILE, info.to_json())
            written = [ITEMS_FILE, CARD_FILE, MANIFEST_FILE]
            if fold_models is not None:
                joblib.dump(fold_models, staging / MODELS_FILE, compress=3)
                written.append(MODELS_FILE)
            for name in written:
                _fsync_file(staging / name)
            staging.rename(self.root / info.run_id)
            _fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        becomes_current = make_current or not self.has_current()
        if becomes_current:
            self.set_current(info.run_id)
        state = "current" if becomes_current else "not current"
        logger.info("published run %s (%s rows) as %s, %s", info.run_id, info.rows, label, state)
        return info

    def set_current(self, run_id: str, made_by: str = "") -> None:
        check_run_id(run_id)
        if not (self.root / run_id / MANIFEST_FILE).is_file():
            raise InputError(f"There is no run {run_id}.")
        pointer = self.root / CURRENT_POINTER
        temp = self.root / f".{CURRENT_POINTER}.{os.getpid()}.{threading.get_ident()}"
        made_at = datetime.now(UTC).isoformat(timespec="seconds")
        # Who and when travel with the pointer, in the same atomic swap: a notice that a new run is
        # current can say so without reading anything else.
        choice = json.dumps({"made_by": made_by, "made_at": made_at})
        temp.write_text(f"{run_id}\n{choice}\n", encoding="utf-8")
        _fsync_file(temp)
        temp.replace(pointer)
        _fsync_dir(self.root)

    # -- reading ----------------------------------------------------------------------------
    def current_id(self) -> str | None:
        choice = self.current_choice()
        return choice.run_id if choice is not None else None

    def current_choice(self) -> CurrentChoice | None:
        """The current run's id, who made it current and when: one small file read."""
        try:
            lines = (self.root / CURRENT_POINTER).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return None
        run_id = lines[0].strip() if lines else ""
        if not _RUN_ID.match(run_id):
            return None
        made: Any = {}
        with contextlib.suppress(json.JSONDecodeError, IndexError):
            made = json.loads(lines[1])
        made = made if isinstance(made, dict) else {}
        return CurrentChoice(run_id, str(made.get("made_by", "")), str(made.get("made_at", "")))

    def has_current(self) -> bool:
        """Whether the current pointer names a run that is still on disk."""
        run_id = self.current_id()
        return run_id is not None and (self.root / run_id / MANIFEST_FILE).is_file()

    def info(self, run_id: str) -> RunInfo:
        check_run_id(run_id)
        try:
            raw = json.loads((self.root / run_id / MANIFEST_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"There is no run {run_id}.") from None
        return RunInfo.from_json(raw)

    def current(self) -> RunInfo | None:
        run_id = self.current_id()
        return self.info(run_id) if run_id else None

    def list_runs(self, dataset: str | None = None) -> list[RunInfo]:
        """Published runs (of one dataset, when given), newest first."""
        if not self.root.is_dir():
            return []
        runs = []
        for path in self.root.iterdir():
            if _RUN_ID.match(path.name) and (path / MANIFEST_FILE).is_file():
                with contextlib.suppress(ValueError, KeyError, json.JSONDecodeError):
                    runs.append(self.info(path.name))
        if dataset is not None:
            runs = [run for run in runs if run.dataset == dataset]
        return sorted(runs, key=lambda r: r.run_id, reverse=True)

    def load(self, run_id: str) -> Run:
        check_run_id(run_id)
        with self._lock:
            cached = self._loaded.get(run_id)
            if cached is not None:
                self._loaded.move_to_end(run_id)
                return cached
        run = self._read(run_id)
        with self._lock:
            self._loaded[run_id] = run
            while len(self._loaded) > _LOADED_RUNS_KEPT:
                self._loaded.popitem(last=False)
        return run

    def load_models(self, run_id: str) -> Any | None:
        """The run's fold models (see ``dashboard.scoring.FoldModels``), loaded once per process;
        None for a run published without them."""
        check_run_id(run_id)
        with self._lock:
            if run_id in self._models:
                return self._models[run_id]
        path = self.root / run_id / MODELS_FILE
        # Our own file, written by publish() into a directory named by a validated run id.
        models = joblib.load(path) if path.is_file() else None
        with self._lock:
            self._models[run_id] = models
            while len(self._models) > _LOADED_RUNS_KEPT:
                self._models.popitem(last=False)
        return models

    def warnings(self, run_id: str) -> tuple[str, ...]:
        """The scoring warnings in the run's model card (its ``warnings`` list), without loading
        its items; none for a run whose card is missing or unreadable."""
        path = self.root / check_run_id(run_id) / CARD_FILE
        try:
            card = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return ()
        return card_warnings(card)

    def load_current(self) -> Run | None:
        run_id = self.current_id()
        return self.load(run_id) if run_id else None

    def _read(self, run_id: str) -> Run:
        info = self.info(run_id)
        directory = self.root / run_id
        items = compact(pd.read_parquet(directory / ITEMS_FILE))
        card = json.loads((directory / CARD_FILE).read_text(encoding="utf-8"))
        return Run(info=info, items=items, model_card=card)


def card_warnings(card: Mapping[str, Any]) -> tuple[str, ...]:
    """A model card's ``warnings``: the sentences scoring wrote about this run's data."""
    raw = card.get("warnings") if isinstance(card, Mapping) else None
    return tuple(str(w) for w in raw) if isinstance(raw, list) else ()


def _write_json(path: Path, payload: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=2, default=_json_default), encoding="utf-8")


def _json_default(value: object) -> object:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
