"""Uploads waiting for a mapping: a file streamed to disk, read once into Parquet, then previewed.

Layout under the uploads directory::

    uploads/
      u-20261129130000-3f9a2c/
        original                 the bytes as received (streamed; never held in memory whole)
        table.parquet            the table as read from it, every column kept (written in chunks)
        upload.json              owner, file name, format and what was detected reading it

An upload belongs to the user who sent it; nobody else can preview, map or publish it. Publishing
moves ``table.parquet`` into a dataset version and removes the upload.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pyarrow.parquet as pq

from dashboard.datasets.profile import PROFILE_ROWS
from dashboard.datasets.readers import read_upload
from dashboard.datasets.sink import UploadLimits, parquet_head
from dashboard.errors import InputError

logger = logging.getLogger(__name__)

UPLOAD_FILE = "upload.json"
ORIGINAL_FILE = "original"
TABLE_FILE = "table.parquet"
CHUNK_BYTES = 1024 * 1024
_UPLOAD_ID = re.compile(r"^u-\d{14}-[0-9a-f]{12}$")
_MAX_FILE_NAME = 200


@dataclass(frozen=True)
class Upload:
    upload_id: str
    owner: str
    file_name: str
    size_bytes: int
    received_at: str
    format: str | None = None  # "csv" | "parquet" | "xlsx" once read
    rows: int = 0
    columns: tuple[str, ...] = ()
    #: What reading found and chose: encoding, delimiter, decimal mark, sheet and sheet names.
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return self.format is not None

    def to_json(self) -> dict[str, Any]:
        raw = asdict(self)
        raw["columns"] = list(self.columns)
        return raw

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Upload:
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        known["columns"] = tuple(known.get("columns", ()))
        return cls(**known)


def check_upload_id(upload_id: object) -> str:
    if not isinstance(upload_id, str) or not _UPLOAD_ID.match(upload_id):
        raise InputError("That upload is unknown; upload the file again.")
    return upload_id


def clean_file_name(name: object) -> str:
    """The base name of an uploaded file, for display only (it never names a path on disk)."""
    text = str(name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    text = "".join(ch for ch in text if ch.isprintable())
    return text[:_MAX_FILE_NAME] or "upload"


class UploadArea:
    """Receives, reads and hands out uploads under one directory."""

    def __init__(self, root: Path, *, max_bytes: int, limits: UploadLimits | None = None) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.limits = limits or UploadLimits()

    def receive(self, stream: IO[bytes], file_name: str, owner: str) -> Upload:
        """Stream ``stream`` to disk in chunks. Refuses (InputError) an empty or too large file
        and then leaves nothing behind."""
        upload_id = f"u-{datetime.now(UTC).strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(6)}"
        directory = self.root / upload_id
        directory.mkdir(parents=True, mode=0o700)
        size = 0
        try:
            with (directory / ORIGINAL_FILE).open("wb") as out:
                while chunk := stream.read(CHUNK_BYTES):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise InputError(
                            f"The file is larger than the limit of {self.max_bytes / 2**20:,.0f} "
                            "MB (PRICESCOPE_MAX_UPLOAD_MB)."
                        )
                    out.write(chunk)
            if size == 0:
                raise InputError("The file is empty.")
            upload = Upload(
                upload_id=upload_id,
                owner=owner,
                file_name=clean_file_name(file_name),
                size_bytes=size,
                received_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            self._save(upload)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        return upload

    def prepare(self, upload_id: str, owner: str, *, sheet: str | None = None) -> Upload:
        """Read the received file into ``table.parquet``, in chunks; InputError (and the upload is
        removed) when it is not a table we can read or breaks a limit.

        The format is sniffed from the content; ``details`` records what reading found (encoding,
        delimiter and decimal mark of a CSV; the sheet read and every sheet of a workbook).
        """
        upload = self.get(upload_id, owner)
        directory = self.root / upload.upload_id
        try:
            result = read_upload(
                directory / ORIGINAL_FILE,
                directory / TABLE_FILE,
                self.limits,
                sheet=sheet,
                max_bytes=self.max_bytes,
            )
            ready = Upload(
                **{
                    **upload.to_json(),
                    "format": result.format,
                    "rows": result.rows,
                    "columns": result.columns,
                    "details": result.details,
                }
            )
            self._save(ready)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        logger.info(
            "read upload %s: %s, %s rows, %s columns",
            upload.upload_id,
            result.format,
            result.rows,
            len(result.columns),
        )
        return ready

    def get(self, upload_id: object, owner: str) -> Upload:
        directory = self.root / check_upload_id(upload_id)
        try:
            raw = json.loads((directory / UPLOAD_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            raise InputError("That upload is unknown; upload the file again.") from None
        upload = Upload.from_json(raw)
        if upload.owner != owner:
            raise InputError("That upload belongs to someone else.")
        return upload

    def table_path(self, upload: Upload) -> Path:
        if not upload.ready:
            raise InputError("The file has not been read yet.")
        return self.root / upload.upload_id / TABLE_FILE

    def preview(self, upload: Upload, rows: int = 50) -> pd.DataFrame:
        """The first ``rows`` rows, read without loading the rest."""
        parquet = pq.ParquetFile(self.table_path(upload))
        batches = parquet.iter_batches(batch_size=rows)
        first = next(batches, None)
        if first is None:
            return pd.DataFrame(columns=list(upload.columns))
        return first.to_pandas().head(rows)

    def sample(self, upload: Upload, rows: int = PROFILE_ROWS) -> pd.DataFrame:
        """The first ``rows`` rows (every column): what the profile of a large table looks at."""
        return parquet_head(self.table_path(upload), rows)

    def discard(self, upload_id: str, owner: str) -> None:
        upload = self.get(upload_id, owner)
        shutil.rmtree(self.root / upload.upload_id, ignore_errors=True)

    def _save(self, upload: Upload) -> None:
        path = self.root / upload.upload_id / UPLOAD_FILE
        temp = path.with_name(f".{UPLOAD_FILE}.{os.getpid()}.{threading.get_ident()}")
        temp.write_text(json.dumps(upload.to_json(), indent=2), encoding="utf-8")
        temp.replace(path)
