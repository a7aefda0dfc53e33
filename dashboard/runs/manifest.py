"""What a run's manifest promises about its files, and checking a file against it.

A manifest (``run.json``) lists, per file, its size in bytes, its sha256 and, for a table, its row
count. A run published before manifests listed files is checked on what it has: the file is there,
not empty, readable, and its items hold the manifest's row count.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from typing import Any

import pyarrow.parquet as pq

from dashboard.errors import InputError
from dashboard.runs.model import ITEMS_FILE, RunInfo


class DamagedRunError(InputError):
    """A published run whose files are missing, unreadable or not what its manifest says."""

    def __init__(self, run_id: str, reason: str) -> None:
        self.run_id = run_id
        self.reason = reason
        super().__init__(
            f"Run {run_id} cannot be read: {reason}. An admin can check every run with "
            "`python -m dashboard runs --check`."
        )


def file_entry(data: bytes, rows: int | None = None) -> dict[str, Any]:
    """The manifest's record of one file, from the bytes written."""
    entry: dict[str, Any] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if rows is not None:
        entry["rows"] = rows
    return entry


def check_bytes(info: RunInfo, name: str, data: bytes, *, checksum: bool = True) -> None:
    """``DamagedRunError`` unless ``data`` is what the manifest recorded for the file ``name``."""
    entry = info.files.get(name)
    if not data:
        raise DamagedRunError(info.run_id, f"{name} is empty (0 bytes)")
    if entry is None:
        return
    expected = int(entry.get("bytes", len(data)))
    if len(data) != expected:
        raise DamagedRunError(
            info.run_id,
            f"{name} has {len(data):,} bytes where its manifest says {expected:,} (truncated or "
            "replaced after publishing)",
        )
    digest = entry.get("sha256")
    if checksum and digest and hashlib.sha256(data).hexdigest() != digest:
        raise DamagedRunError(
            info.run_id, f"{name} does not match its checksum (changed after publishing)"
        )


def items_rows(info: RunInfo, data: bytes) -> int:
    """The row count of the items file, read from its Parquet footer; ``DamagedRunError`` when the file
    is not Parquet or holds another count than the manifest says."""
    try:
        rows = int(pq.ParquetFile(io.BytesIO(data)).metadata.num_rows)
    except Exception as error:  # pyarrow raises ArrowInvalid, OSError… for a damaged file
        raise DamagedRunError(
            info.run_id, f"{ITEMS_FILE} is not a readable Parquet file"
        ) from error
    check_rows(info, rows)
    return rows


def check_rows(info: RunInfo, rows: int) -> None:
    recorded = info.files.get(ITEMS_FILE, {}).get("rows", info.rows)
    if rows != int(recorded):
        raise DamagedRunError(
            info.run_id, f"{ITEMS_FILE} holds {rows:,} rows where its manifest says {recorded:,}"
        )


def json_of(info: RunInfo, name: str, data: bytes) -> dict[str, Any]:
    """A JSON file of the run as a dict; ``DamagedRunError`` when it is not one."""
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise DamagedRunError(info.run_id, f"{name} is not valid JSON") from error
    if not isinstance(parsed, Mapping):
        raise DamagedRunError(info.run_id, f"{name} is not a JSON object")
    return dict(parsed)
