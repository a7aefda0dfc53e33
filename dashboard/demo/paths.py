"""Where a generated demo lives, and whether a complete one is there."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DemoPaths:
    root: Path
    catalogue: Path
    transactions: Path
    ground_truth: Path
    manifest: Path


def demo_paths(root: Path) -> DemoPaths:
    root = Path(root)
    return DemoPaths(
        root=root,
        catalogue=root / "catalogue.parquet",
        transactions=root / "transactions.parquet",
        ground_truth=root / "ground_truth.parquet",
        manifest=root / "manifest.json",
    )


def demo_exists(root: Path) -> bool:
    """True when a complete demo is at ``root``: all files and a readable manifest.

    The manifest is written last and the directory published by one rename, so a readable
    manifest beside the three tables means the demo is whole.
    """
    paths = demo_paths(root)
    if not all(p.is_file() for p in (paths.catalogue, paths.transactions, paths.ground_truth)):
        return False
    try:
        manifest = json.loads(paths.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "data_version" in manifest
