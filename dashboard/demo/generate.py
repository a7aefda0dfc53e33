"""Generating the whole demo: catalogue, planted mispricings, transactions, manifest."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from dashboard.demo.catalogue import Catalogue, build_catalogue
from dashboard.demo.customers import build_customers
from dashboard.demo.demand import base_demand, build_sampler, price_response
from dashboard.demo.mispricing import Mispricings, plant_mispricings
from dashboard.demo.paths import DemoPaths, demo_paths
from dashboard.demo.reference import (
    COST_NOISE_SD,
    GENERATOR_VERSION,
    ITEM_NOISE_SD,
    LINE_PREMIUM_SD,
    TIER_DISCOUNT,
    TIERS,
)
from dashboard.demo.transactions import Market, Period, generate_lines, plan_period
from dashboard.demo.writer import TransactionFile, publish, staged, write_frame, write_manifest
from dashboard.errors import InputError
from dashboard.progress import ProgressHook, no_progress

logger = logging.getLogger(__name__)

ROLES = {"target": "list_price", "id": "sku", "volume": "units_12m", "group": "product_line"}
SKU_LIMITS = (500, 5_000_000)
TRANSACTION_LIMITS = (1_000, 50_000_000)
MONTH_LIMITS = (12, 120)
LINES_PER_CHUNK = 250_000  # about a second of work: keeps progress reports coming
VOLUME_MONTHS = 12  # units_12m counts the last twelve months of sales

# Independent random streams, so changing how one part draws never changes another part's data.
_STREAMS = {
    "catalogue": 1,
    "demand": 2,
    "mispricings": 3,
    "customers": 4,
    "period": 5,
    "transactions": 6,  # one more index per chunk
}


def generate_demo(
    root: Path,
    *,
    n_skus: int = 50_000,
    n_transactions: int = 2_000_000,
    months: int = 24,
    seed: int = 7,
    progress: ProgressHook = no_progress,
) -> DemoPaths:
    """Generate the demo under ``root``, replacing any older one only once the new one is complete.

    Raises :class:`InputError` for sizes outside the supported range; a progress hook raising
    ``Cancelled`` (or any failure) leaves the previous demo, or nothing, in place.
    """
    _check_sizes(n_skus, n_transactions, months, seed)
    root = Path(root)
    started = time.perf_counter()

    progress("catalogue", 0.0)
    catalogue = build_catalogue(_rng(seed, "catalogue"), n_skus)
    progress("mispricings", 0.04)
    demand = base_demand(_rng(seed, "demand"), catalogue)
    plants = plant_mispricings(_rng(seed, "mispricings"), catalogue, demand > 0)
    list_price = plants.apply_to_list_prices(catalogue)
    demand = demand * price_response(list_price, catalogue.structural_price)

    progress("customers", 0.07)
    period = plan_period(_rng(seed, "period"), n_transactions, months)
    market = _market(seed, n_transactions, catalogue, plants, list_price, demand)

    paths = demo_paths(root)
    with staged(root) as staging:
        staged_paths = demo_paths(staging)
        units = _write_transactions(seed, period, market, catalogue, staged_paths, progress)
        progress("writing", 0.93)
        write_frame(
            catalogue.table.assign(list_price=list_price, units_12m=units),
            staged_paths.catalogue,
        )
        write_frame(plants.ground_truth(catalogue), staged_paths.ground_truth)
        manifest = _manifest(
            seed, n_skus, n_transactions, period, plants, time.perf_counter() - started
        )
        write_manifest(manifest, staged_paths.manifest)
        publish(staging, root)
    progress("done", 1.0)
    logger.info(
        "demo generated in %.1f s: %s SKUs, %s order lines, %d planted mispricings, in %s",
        manifest["seconds"],
        f"{n_skus:,}",
        f"{n_transactions:,}",
        len(plants),
        root,
    )
    return paths


def _check_sizes(n_skus: int, n_transactions: int, months: int, seed: int) -> None:
    for name, value, (low, high) in (
        ("n_skus", n_skus, SKU_LIMITS),
        ("n_transactions", n_transactions, TRANSACTION_LIMITS),
        ("months", months, MONTH_LIMITS),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InputError(
                f"The demo's {name} must be a whole number from {low:,} to {high:,}, not {value!r}."
            )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"The demo's seed must be a whole number of 0 or more, not {seed!r}.")


def _rng(seed: int, stream: str, index: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAMS[stream], index])


def _market(
    seed: int,
    n_transactions: int,
    catalogue: Catalogue,
    plants: Mispricings,
    list_price: np.ndarray,
    demand: np.ndarray,
) -> Market:
    keys, factors = plants.regional_keys(len(catalogue))
    tier_discount = np.array([TIER_DISCOUNT[t] for t in TIERS])
    return Market(
        list_price=list_price,
        tier_discount=tier_discount[catalogue.table["brand_tier"].cat.codes.to_numpy()],
        customers=build_customers(_rng(seed, "customers"), n_transactions),
        sampler=build_sampler(catalogue.lines.season[catalogue.line], demand, keys, factors),
        regional_keys=keys,
        regional_factors=factors,
    )


def _write_transactions(
    seed: int,
    period: Period,
    market: Market,
    catalogue: Catalogue,
    paths: DemoPaths,
    progress: ProgressHook,
) -> np.ndarray:
    """Write all order lines chunk by chunk; returns units sold per SKU in the last 12 months."""
    chunks = period.chunks(max(8, math.ceil(int(period.lines_per_month.sum()) / LINES_PER_CHUNK)))
    volume_from = (period.first_month + period.months - VOLUME_MONTHS).astype("datetime64[D]")
    units = np.zeros(len(catalogue), dtype=np.int64)
    skus = catalogue.table["sku"].to_numpy()
    transactions = TransactionFile(paths.transactions, skus, market.customers.ids)
    try:
        for number, months in enumerate(chunks, start=1):
            progress(
                f"transactions {number}/{len(chunks)}", 0.08 + 0.85 * (number - 1) / len(chunks)
            )
            lines = generate_lines(_rng(seed, "transactions", number), period, months, market)
            transactions.write(lines)
            recent = lines.date >= volume_from
            units += np.bincount(
                lines.sku[recent], weights=lines.quantity[recent], minlength=len(units)
            ).astype(np.int64)
    finally:
        transactions.close()
    return units.astype(np.int32)


def _manifest(
    seed: int,
    n_skus: int,
    n_transactions: int,
    period: Period,
    plants: Mispricings,
    seconds: float,
) -> dict[str, Any]:
    catalogue_level = plants.catalogue_level
    clusters = set(plants.cluster.tolist())
    return {
        "data_version": data_version(seed, n_skus, n_transactions, period.months),
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "sizes": {"skus": n_skus, "transactions": n_transactions},
        "months": period.months,
        "date_range": {"start": str(period.first_day), "end": str(period.last_day)},
        "units_12m_since": str(
            (period.first_month + period.months - VOLUME_MONTHS).astype("datetime64[D]")
        ),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 2),
        "roles": dict(ROLES),
        "files": {
            "catalogue": "catalogue.parquet",
            "transactions": "transactions.parquet",
            "ground_truth": "ground_truth.parquet",
        },
        "planted": {
            "total": len(plants),
            "catalogue": int(catalogue_level.sum()),
            "region": int((~catalogue_level).sum()),
            "single": int((plants.cluster == "single").sum()),
            "brand_clusters": sum(c.startswith("brand:") for c in clusters),
            "region_clusters": sum(c.startswith("region:") for c in clusters),
        },
        "price_noise": {
            "item_log_sd": ITEM_NOISE_SD,
            "line_premium_log_sd": LINE_PREMIUM_SD,
            "cost_log_sd": COST_NOISE_SD,
        },
    }


def data_version(seed: int, n_skus: int, n_transactions: int, months: int) -> str:
    """A short hash naming the data: same generator, seed and sizes → same version."""
    key = json.dumps(
        {
            "generator": GENERATOR_VERSION,
            "seed": seed,
            "skus": n_skus,
            "transactions": n_transactions,
            "months": months,
        },
        sort_keys=True,
    )
    return hashlib.sha256(key.encode()).hexdigest()[:16]
