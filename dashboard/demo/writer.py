"""Writing the demo: Parquet files into a staging directory, published all at once.

Everything goes into a sibling ``.<name>.tmp-<pid>`` directory; only when the manifest (written
last) is in place is the directory renamed onto the demo root. A run that fails or is cancelled
removes its staging directory, so readers see the old complete demo or none, never half of one.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.demo.reference import CHANNELS, CUSTOMER_SEGMENTS, REGIONS
from dashboard.demo.transactions import OrderLines

logger = logging.getLogger(__name__)

COMPRESSION = "zstd"


def staging_dir(root: Path) -> Path:
    return root.parent / f".{root.name}.tmp-{os.getpid()}"


@contextmanager
def staged(root: Path) -> Iterator[Path]:
    """A fresh staging directory for ``root``, removed again if the block fails."""
    root.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(root)
    staging = staging_dir(root)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        # Cancelled, KeyboardInterrupt and real errors alike: nothing half-written stays behind.
        shutil.rmtree(staging, ignore_errors=True)
        raise


def publish(staging: Path, root: Path) -> None:
    """Move a complete staging directory onto ``root``, replacing an older demo there."""
    retired = root.parent / f".{root.name}.old-{os.getpid()}"
    if root.exists():
        root.replace(retired)
    try:
        staging.replace(root)
    except BaseException:
        if retired.exists() and not root.exists():
            retired.replace(root)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _remove_abandoned(root: Path) -> None:
    """Delete what killed runs left behind: staging and retired directories of dead processes."""
    for prefix in (f".{root.name}.tmp-", f".{root.name}.old-"):
        for leftover in sorted(root.parent.glob(f"{prefix}*")):
            pid = leftover.name.removeprefix(prefix)
            if pid.isdigit() and psutil.pid_exists(int(pid)):
                continue  # another generation is running right now
            logger.info("removing %s left by an interrupted demo generation", leftover)
            shutil.rmtree(leftover, ignore_errors=True)


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, compression=COMPRESSION)


def write_manifest(manifest: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")


TRANSACTION_SCHEMA = pa.schema(
    [
        ("date", pa.date32()),
        ("sku", pa.dictionary(pa.int32(), pa.string())),
        ("customer_id", pa.dictionary(pa.int32(), pa.string())),
        ("customer_segment", pa.dictionary(pa.int8(), pa.string())),
        ("region", pa.dictionary(pa.int8(), pa.string())),
        ("channel", pa.dictionary(pa.int8(), pa.string())),
        ("quantity", pa.int32()),
        ("net_price", pa.float64()),
    ]
)


class TransactionFile:
    """Appends chunks of order lines to one Parquet file (a row group per chunk).

    Every string column is dictionary-encoded against the same full dictionary in every chunk,
    so readers get one consistent categorical per column.
    """

    def __init__(self, path: Path, skus: np.ndarray, customer_ids: np.ndarray) -> None:
        self._dictionaries = {
            "sku": pa.array(skus, pa.string()),
            "customer_id": pa.array(customer_ids, pa.string()),
            "customer_segment": pa.array([s.name for s in CUSTOMER_SEGMENTS], pa.string()),
            "region": pa.array([r.name for r in REGIONS], pa.string()),
            "channel": pa.array(CHANNELS, pa.string()),
        }
        self._writer = pq.ParquetWriter(path, TRANSACTION_SCHEMA, compression=COMPRESSION)

    def write(self, lines: OrderLines) -> None:
        codes = {
            "sku": lines.sku,
            "customer_id": lines.customer,
            "customer_segment": lines.segment,
            "region": lines.region,
            "channel": lines.channel,
        }
        columns: list[pa.Array] = []
        for field in TRANSACTION_SCHEMA:
            if field.name in codes:
                indices = pa.array(codes[field.name], field.type.index_type)
                columns.append(
                    pa.DictionaryArray.from_arrays(indices, self._dictionaries[field.name])
                )
            elif field.name == "date":
                columns.append(pa.array(lines.date, pa.date32()))
            else:
                columns.append(pa.array(getattr(lines, field.name), field.type))
        self._writer.write_table(pa.Table.from_arrays(columns, schema=TRANSACTION_SCHEMA))

    def close(self) -> None:
        self._writer.close()
