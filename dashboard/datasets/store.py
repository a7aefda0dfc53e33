"""Datasets on disk: a named item table (and optionally its transactions) in immutable versions.

Layout under the datasets directory::

    datasets/
      demo/                                  one directory per dataset, named by its slug
        dataset.json                         name, slug, who created it and when
        20261129T130000123456Z-3f9a2c/        one directory per version, never modified once written
          items.parquet                      the item table as uploaded (every column, as read)
          transactions.parquet               optional: the order lines, for recompute jobs
          version.json                       the mapping, the source, row and column counts

A version is written into a hidden staging directory, flushed, and renamed into place, so a reader
sees a version whole or not at all, and a failed upload leaves nothing behind. Version ids sort in
the order they were written and never collide, so two analysts uploading at once both succeed.
A dataset's name is unique (case-insensitively); creating one happens under a file lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.datasets.mapping import ColumnMapping, TransactionMapping
from dashboard.errors import InputError
from dashboard.runs import DEMO_DATASET, new_run_id

logger = logging.getLogger(__name__)

DATASET_FILE = "dataset.json"
VERSION_FILE = "version.json"
ITEMS_FILE = "items.parquet"
TRANSACTIONS_FILE = "transactions.parquet"
DEMO_NAME = "Demo tyre catalogue"
MAX_NAME_CHARS = 80
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_VERSION_ID = re.compile(r"^\d{8}T\d{12}Z-[0-9a-f]{6}$")


@dataclass(frozen=True)
class DatasetVersion:
    dataset: str
    version_id: str
    number: int  # 1 for the first version of the dataset, counted in the order written
    created_at: str
    created_by: str
    source: str  # the uploaded file's name, or "SQL query", or "demo"
    rows: int
    columns: tuple[str, ...]
    mapping: ColumnMapping
    transactions: TransactionMapping | None = None
    transaction_rows: int = 0

    @property
    def label(self) -> str:
        return f"v{self.number}"

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "version_id": self.version_id,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "source": self.source,
            "rows": self.rows,
            "columns": list(self.columns),
            "mapping": self.mapping.to_json(),
            "transactions": self.transactions.to_json() if self.transactions else None,
            "transaction_rows": self.transaction_rows,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], number: int) -> DatasetVersion:
        tx = raw.get("transactions")
        return cls(
            dataset=str(raw["dataset"]),
            version_id=str(raw["version_id"]),
            number=number,
            created_at=str(raw["created_at"]),
            created_by=str(raw.get("created_by", "")),
            source=str(raw.get("source", "")),
            rows=int(raw["rows"]),
            columns=tuple(str(c) for c in raw.get("columns", ())),
            mapping=ColumnMapping.from_json(raw["mapping"]),
            transactions=TransactionMapping.from_json(tx) if tx else None,
            transaction_rows=int(raw.get("transaction_rows", 0)),
        )


@dataclass(frozen=True)
class DatasetInfo:
    slug: str
    name: str
    created_at: str
    created_by: str
    versions: tuple[DatasetVersion, ...]  # oldest first

    @property
    def latest(self) -> DatasetVersion | None:
        return self.versions[-1] if self.versions else None

    def version(self, version_id: str) -> DatasetVersion:
        for version in self.versions:
            if version.version_id == version_id:
                return version
        raise InputError(f"The dataset '{self.name}' has no version {version_id}.")


def slug_of(name: str) -> str:
    """A directory-safe key for a dataset name: lower-case ASCII letters, digits and hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:48].strip("-")
    return slug or "dataset"


def check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InputError("Give the dataset a name.")
    clean = " ".join(name.split())
    if len(clean) > MAX_NAME_CHARS:
        raise InputError(f"A dataset name can be at most {MAX_NAME_CHARS} characters long.")
    if any(unicodedata.category(ch).startswith("C") for ch in clean):
        raise InputError("A dataset name cannot contain control characters.")
    return clean


def check_slug(slug: object) -> str:
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise InputError(f"{slug!r} is not a dataset key.")
    return slug


class DatasetStore:
    """Creates datasets, writes their versions and reads them back."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # -- reading ----------------------------------------------------------------------------
    def list(self) -> list[DatasetInfo]:
        """Every dataset, the demo first, then by name."""
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.iterdir():
            if _SLUG.match(path.name) and (path / DATASET_FILE).is_file():
                with contextlib.suppress(ValueError, KeyError, json.JSONDecodeError, InputError):
                    found.append(self.get(path.name))
        return sorted(found, key=lambda d: (d.slug != DEMO_DATASET, d.name.lower()))

    def exists(self, slug: str) -> bool:
        return bool(_SLUG.match(slug)) and (self.root / slug / DATASET_FILE).is_file()

    def get(self, slug: str) -> DatasetInfo:
        check_slug(slug)
        directory = self.root / slug
        try:
            raw = json.loads((directory / DATASET_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"There is no dataset '{slug}'.") from None
        version_ids = sorted(
            p.name
            for p in directory.iterdir()
            if _VERSION_ID.match(p.name) and (p / VERSION_FILE).is_file()
        )
        versions = tuple(
            DatasetVersion.from_json(
                json.loads((directory / vid / VERSION_FILE).read_text(encoding="utf-8")), number
            )
            for number, vid in enumerate(version_ids, start=1)
        )
        return DatasetInfo(
            slug=slug,
            name=str(raw["name"]),
            created_at=str(raw["created_at"]),
            created_by=str(raw.get("created_by", "")),
            versions=versions,
        )

    def find(self, name_or_slug: str) -> DatasetInfo | None:
        """The dataset with this name (any case) or key, if there is one."""
        wanted = " ".join(str(name_or_slug).split()).lower()
        for info in self.list():
            if info.slug == wanted or info.name.lower() == wanted:
                return info
        return None

    def version_dir(self, slug: str, version_id: str) -> Path:
        check_slug(slug)
        if not _VERSION_ID.match(version_id):
            raise InputError(f"{version_id!r} is not a dataset version.")
        return self.root / slug / version_id

    def load_items(self, slug: str, version_id: str) -> pd.DataFrame:
        return pd.read_parquet(self.version_dir(slug, version_id) / ITEMS_FILE)

    def transactions_path(self, slug: str, version_id: str) -> Path | None:
        path = self.version_dir(slug, version_id) / TRANSACTIONS_FILE
        return path if path.is_file() else None

    # -- writing ----------------------------------------------------------------------------
    def create(self, name: str, *, created_by: str) -> DatasetInfo:
        """A new, empty dataset; InputError if the name is taken."""
        clean = check_name(name)
        self.root.mkdir(parents=True, exist_ok=True)
        with self._locked():
            taken = self.find(clean)
            if taken is not None:
                raise InputError(f"There is already a dataset named '{taken.name}'.")
            slug = self._free_slug(DEMO_DATASET if clean == DEMO_NAME else slug_of(clean))
            directory = self.root / slug
            directory.mkdir()
            payload = {
                "slug": slug,
                "name": clean,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "created_by": created_by,
            }
            _write_json_atomically(directory / DATASET_FILE, payload)
        logger.info("created dataset %s (%s)", slug, clean)
        return self.get(slug)

    def add_version(
        self,
        slug: str,
        items: pd.DataFrame | Path,
        mapping: ColumnMapping,
        *,
        created_by: str,
        source: str,
        transactions: pd.DataFrame | Path | None = None,
        transaction_mapping: TransactionMapping | None = None,
    ) -> DatasetVersion:
        """Write a new version: the item table (a frame, or a Parquet file to move in), optionally
        the transactions, and the mapping. The mapping must fit the columns (InputError)."""
        info = self.get(slug)
        columns = _columns_of(items)
        problems = mapping.problems(columns)
        if transactions is not None:
            if transaction_mapping is None:
                raise InputError("Map the transactions' columns (item id, date, quantity, price).")
            problems += transaction_mapping.problems(_columns_of(transactions))
        if problems:
            raise InputError(" ".join(problems))
        version_id = new_run_id()
        staging = self.root / slug / f".staging-{version_id}"
        try:
            staging.mkdir()
            rows = _put_table(items, staging / ITEMS_FILE)
            tx_rows = 0
            if transactions is not None:
                tx_rows = _put_table(transactions, staging / TRANSACTIONS_FILE)
            version = DatasetVersion(
                dataset=slug,
                version_id=version_id,
                number=len(info.versions) + 1,
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                created_by=created_by,
                source=source,
                rows=rows,
                columns=tuple(columns),
                mapping=mapping,
                transactions=transaction_mapping if transactions is not None else None,
                transaction_rows=tx_rows,
            )
            (staging / VERSION_FILE).write_text(
                json.dumps(version.to_json(), indent=2), encoding="utf-8"
            )
            for path in staging.iterdir():
                _fsync(path)
            staging.rename(self.root / slug / version_id)
            _fsync(self.root / slug)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        logger.info("dataset %s: version %s (%s rows) from %s", slug, version_id, rows, source)
        # The number as listed: another version written at the same moment may sort before it.
        return replace(version, number=self.get(slug).version(version_id).number)

    def discard_if_empty(self, slug: str) -> None:
        """Remove a dataset created a moment ago whose first version could not be written."""
        with self._locked():
            if self.exists(slug) and not self.get(slug).versions:
                shutil.rmtree(self.root / check_slug(slug), ignore_errors=True)

    def _free_slug(self, wanted: str) -> str:
        slug, n = wanted, 2
        while (self.root / slug).exists():
            slug = f"{wanted[:44]}-{n}"
            n += 1
        return slug

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with (self.root / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _columns_of(table: pd.DataFrame | Path) -> list[str]:
    if isinstance(table, pd.DataFrame):
        return [str(c) for c in table.columns]
    import pyarrow.parquet as pq

    return [str(name) for name in pq.read_schema(table).names]


def _put_table(table: pd.DataFrame | Path, destination: Path) -> int:
    """Write a frame as Parquet, or move a prepared Parquet file in; the number of rows."""
    if isinstance(table, pd.DataFrame):
        table.to_parquet(destination, index=False)
        return len(table)
    import pyarrow.parquet as pq

    rows = int(pq.read_metadata(table).num_rows)
    try:
        os.link(table, destination)
    except OSError:
        shutil.copyfile(table, destination)
    return rows


def _write_json_atomically(path: Path, payload: Mapping[str, Any]) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    temp.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    _fsync(temp)
    temp.replace(path)


def _fsync(path: Path) -> None:
    if path.is_dir():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    else:
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
