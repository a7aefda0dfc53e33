"""The run store: publishes, lists, checks and loads runs; the current pointer.

Layout under the store's location (a directory, or an fsspec URL: see ``dashboard.runs.files``)::

    CURRENT                      the id of the current run (first line), then who made it current
                                 and when (a JSON line), replaced whole
    20261121T193000123456Z-3f9a2c/     one directory (prefix) per run, never modified once published
      items.parquet              input columns + the scoring columns, one row per item
      model_card.json            metrics, coverage, features used and dropped
      models.joblib              the fold models, when the run has them
      run.json                   the manifest: id, time, source, scope, column roles, and per
                                 file its size, sha256 and row count; written last

A reader sees either the previous run or the new one, complete; earlier runs are kept. A run is
checked when it is loaded (sizes, checksums, row counts): a damaged run raises ``DamagedRunError`` and is
never cached, so the pages fall back to a readable run (``serving``) instead of failing.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

from dashboard.errors import InputError
from dashboard.runs.files import RunFiles, run_files
from dashboard.runs.manifest import (
    DamagedRunError,
    check_bytes,
    check_rows,
    file_entry,
    items_rows,
    json_of,
)
from dashboard.runs.model import (
    CARD_FILE,
    ITEMS_FILE,
    MANIFEST_FILE,
    MODELS_FILE,
    RUN_ID_PATTERN,
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

logger = logging.getLogger(__name__)

_LOADED_RUNS_KEPT = 3


@dataclass(frozen=True)
class Serving:
    """The run the pages show for "the current run": the current one, or, when it cannot be read,
    the newest readable run, with the damage that made it so."""

    run: Run | None
    damaged: DamagedRunError | None = None


class RunStore:
    """Publishes, lists and loads runs under one location.

    Loaded runs are kept per process (a small LRU keyed by run id; runs are immutable, so a cached run
    never goes stale). The current pointer is re-read on every call, which is one small read, so a
    process notices a newly published run without restarting.
    """

    def __init__(self, location: Path | str) -> None:
        self.files: RunFiles = run_files(location)
        self._lock = threading.Lock()
        self._loaded: OrderedDict[str, Run] = OrderedDict()
        self._models: OrderedDict[str, Any] = OrderedDict()
        self._told: set[tuple[str, str]] = set()  # damage already logged by this process

    @property
    def location(self) -> str:
        return self.files.location

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
        buffer = io.BytesIO()
        items.to_parquet(buffer, index=False)
        files = {ITEMS_FILE: buffer.getvalue(), CARD_FILE: _json_bytes(dict(model_card))}
        if fold_models is not None:
            buffer = io.BytesIO()
            joblib.dump(fold_models, buffer, compress=3)
            files[MODELS_FILE] = buffer.getvalue()
        entries = {name: file_entry(data) for name, data in files.items()}
        entries[ITEMS_FILE]["rows"] = len(items)
        info = RunInfo(
            run_id=new_run_id(),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            label=label,
            rows=len(items),
            columns=columns,
            source=dict(source or {}),
            scope=dict(scope or {}),
            files=entries,
        )
        self.files.write_run(info.run_id, files, _json_bytes(info.to_json()))
        becomes_current = make_current or not self.has_current()
        if becomes_current:
            self.set_current(info.run_id, checked=True)
        state = "current" if becomes_current else "not current"
        logger.info("published run %s (%s rows) as %s, %s", info.run_id, info.rows, label, state)
        return info

    def set_current(self, run_id: str, made_by: str = "", *, checked: bool = False) -> None:
        """Makes ``run_id`` current after checking it (``checked``: the caller just did, or just
        wrote it); a damaged run is refused with ``DamagedRunError``."""
        check_run_id(run_id)
        if not self.files.exists(run_id, MANIFEST_FILE):
            raise InputError(f"There is no run {run_id}.")
        if not checked:
            self.check(run_id)
        made_at = datetime.now(UTC).isoformat(timespec="seconds")
        # Who and when travel with the pointer, in the same atomic swap: a notice that a new run is
        # current can say so without reading anything else.
        choice = json.dumps({"made_by": made_by, "made_at": made_at})
        self.files.write_pointer(f"{run_id}\n{choice}\n")

    # -- reading ----------------------------------------------------------------------------
    def current_id(self) -> str | None:
        choice = self.current_choice()
        return choice.run_id if choice is not None else None

    def current_choice(self) -> CurrentChoice | None:
        """The current run's id, who made it current and when: one small read."""
        text = self.files.read_pointer()
        lines = text.splitlines() if text is not None else []
        run_id = lines[0].strip() if lines else ""
        if not RUN_ID_PATTERN.match(run_id):
            return None
        made: Any = {}
        with contextlib.suppress(json.JSONDecodeError, IndexError):
            made = json.loads(lines[1])
        made = made if isinstance(made, dict) else {}
        return CurrentChoice(run_id, str(made.get("made_by", "")), str(made.get("made_at", "")))

    def has_current(self) -> bool:
        """Whether the current pointer names a run that is still in the store."""
        run_id = self.current_id()
        return run_id is not None and self.files.exists(run_id, MANIFEST_FILE)

    def info(self, run_id: str) -> RunInfo:
        check_run_id(run_id)
        try:
            data = self.files.read(run_id, MANIFEST_FILE)
        except FileNotFoundError:
            raise InputError(f"There is no run {run_id}.") from None
        try:
            return RunInfo.from_json(json.loads(data.decode("utf-8")))
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise DamagedRunError(run_id, f"{MANIFEST_FILE} cannot be read") from error

    def current(self) -> RunInfo | None:
        """The current run's manifest; ``None`` when no run is current or its manifest cannot be
        read (the pages then show another run: see ``serving``)."""
        run_id = self.current_id()
        if not run_id:
            return None
        try:
            return self.info(run_id)
        except DamagedRunError as damage:
            self._tell(run_id, f"current run {run_id} has no readable manifest: {damage.reason}")
            return None

    def list_runs(self, dataset: str | None = None) -> list[RunInfo]:
        """Published runs (of one dataset, when given), newest first; a run whose manifest cannot
        be read is left out (``runs --check`` names it)."""
        runs = []
        for run_id in self.files.run_ids():
            with contextlib.suppress(InputError):
                runs.append(self.info(run_id))
        if dataset is not None:
            runs = [run for run in runs if run.dataset == dataset]
        return sorted(runs, key=lambda r: r.run_id, reverse=True)

    def run_ids(self) -> list[str]:
        """Every complete run's id, readable manifest or not, newest first."""
        return sorted(self.files.run_ids(), reverse=True)

    def load(self, run_id: str) -> Run:
        """The run, checked against its manifest on its first load in this process (``DamagedRunError``
        if it does not match; a damaged run is not cached, so a repaired one loads next time)."""
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
        info = self.info(run_id)
        try:
            data = self.files.read(run_id, MODELS_FILE)
        except FileNotFoundError:
            if MODELS_FILE in info.files:
                raise DamagedRunError(run_id, f"{MODELS_FILE} is missing") from None
            data = b""
        models = None
        if data:
            check_bytes(info, MODELS_FILE, data)
            # Our own file, checked against the manifest written with it.
            models = joblib.load(io.BytesIO(data))
        with self._lock:
            self._models[run_id] = models
            while len(self._models) > _LOADED_RUNS_KEPT:
                self._models.popitem(last=False)
        return models

    def item_columns(self, run_id: str, columns: Sequence[str]) -> pd.DataFrame:
        """Some columns of a run's items, without loading (and caching) the whole run."""
        with self._lock:
            cached = self._loaded.get(check_run_id(run_id))
        if cached is not None:
            return cached.items.loc[:, list(columns)]
        info = self.info(run_id)
        data = self._checked(info, ITEMS_FILE)
        return pd.read_parquet(io.BytesIO(data), columns=list(columns))

    def warnings(self, run_id: str) -> tuple[str, ...]:
        """The scoring warnings in the run's model card (its ``warnings`` list), without loading
        its items; none for a run whose card is missing or unreadable."""
        try:
            card = json.loads(self.files.read(check_run_id(run_id), CARD_FILE).decode("utf-8"))
        except (OSError, ValueError):
            return ()
        return card_warnings(card)

    def check(self, run_id: str) -> RunInfo:
        """Checks every file of the run against its manifest (sizes, checksums, row count, the
        card's JSON) without loading it; ``DamagedRunError`` with the first problem found."""
        info = self.info(run_id)
        items_rows(info, self._checked(info, ITEMS_FILE))
        json_of(info, CARD_FILE, self._checked(info, CARD_FILE))
        if MODELS_FILE in info.files:
            self._checked(info, MODELS_FILE)
        return info

    def load_current(self) -> Run | None:
        """The run the pages show as current: see ``serving``. ``DamagedRunError`` when the current
        run cannot be read and no other run can either."""
        serving = self.serving()
        if serving.run is None and serving.damaged is not None:
            raise serving.damaged
        return serving.run

    def serving(self) -> Serving:
        """The current run, or, when it cannot be read, the newest readable run of its dataset
        (else of any dataset) with the damage; this is the one place the pages fall back."""
        run_id = self.current_id()
        if run_id is None:
            return Serving(None)
        try:
            return Serving(self.load(run_id))
        except DamagedRunError as damage:
            return Serving(self._fallback(run_id), damage)
        except InputError:  # the pointer names a run that was removed
            gone = DamagedRunError(run_id, "it is not in the run store any more")
            return Serving(self._fallback(run_id), gone)

    def _fallback(self, damaged_id: str) -> Run | None:
        try:
            dataset: str | None = self.info(damaged_id).dataset
        except InputError:
            dataset = None
        candidates = [info for info in self.list_runs() if info.run_id != damaged_id]
        candidates.sort(key=lambda info: info.dataset != dataset)  # stable: newest first stays
        for info in candidates:
            try:
                run = self.load(info.run_id)
            except InputError:
                continue
            self._tell(damaged_id, f"current run {damaged_id} cannot be read; serving {run.run_id}")
            return run
        self._tell(damaged_id, f"current run {damaged_id} cannot be read and no other run can")
        return None

    def _tell(self, run_id: str, message: str) -> None:
        """Logs a damaged current run once per process, not on every page view."""
        with self._lock:
            if (run_id, message) in self._told:
                return
            self._told.add((run_id, message))
        logger.warning("%s", message)

    def _checked(self, info: RunInfo, name: str) -> bytes:
        try:
            data = self.files.read(info.run_id, name)
        except FileNotFoundError:
            raise DamagedRunError(info.run_id, f"{name} is missing") from None
        check_bytes(info, name, data)
        return data

    def _read(self, run_id: str) -> Run:
        info = self.info(run_id)
        data = self._checked(info, ITEMS_FILE)
        try:
            items = pd.read_parquet(io.BytesIO(data))
        except Exception as error:  # pyarrow's ArrowInvalid and friends for a damaged file
            raise DamagedRunError(run_id, f"{ITEMS_FILE} is not a readable Parquet file") from error
        check_rows(info, len(items))
        card = json_of(info, CARD_FILE, self._checked(info, CARD_FILE))
        return Run(info=info, items=compact(items), model_card=card)


def _json_bytes(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, indent=2, default=_json_default).encode("utf-8")


def _json_default(value: object) -> object:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
