"""Planted mispricings: the ground truth a scoring model is judged against.

Three kinds, all 10-60 % off the structural price and in both directions:

- single SKUs priced wrongly in the catalogue (most of them);
- brand clusters: a slice of one brand's price list (a couple of neighbouring rim sizes across
  several lines) uploaded with a wrong factor, applied to ``list_price``;
- region clusters: one region's net prices for a set of SKUs off by a factor (a regional price
  agreement gone wrong), which leaves ``list_price`` untouched and only shows in transactions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.demo.catalogue import Catalogue, round_price
from dashboard.demo.reference import BRANDS, REGIONS

SINGLE_SHARE = 0.0095  # of SKUs, mispriced one by one
SKUS_PER_BRAND_CLUSTER = 12_500  # one brand cluster per this many SKUs (four at 50k)
SKUS_PER_REGION_CLUSTER = 16_000  # three at 50k
CLUSTER_SIZE = (20, 60)  # at full size; smaller catalogues get proportionally smaller clusters
FULL_SIZE = 20_000
MIN_CLUSTER_SIZE = 5
PCT_OFF_RANGE = (0.10, 0.60)


@dataclass(frozen=True)
class Mispricings:
    """Planted items, one entry per SKU (a SKU is planted at most once)."""

    row: np.ndarray  # catalogue row
    factor: np.ndarray  # mispriced price / structural price
    region: np.ndarray  # index into REGIONS, -1 for catalogue-level plants
    cluster: np.ndarray  # "single", "brand:<Brand>" or "region:<Region>"

    def __len__(self) -> int:
        return len(self.row)

    @property
    def catalogue_level(self) -> np.ndarray:
        return self.region < 0

    def apply_to_list_prices(self, catalogue: Catalogue) -> np.ndarray:
        """The published list prices: clean ones untouched, planted ones at structural × factor."""
        list_price = catalogue.table["list_price"].to_numpy(copy=True)
        rows = self.row[self.catalogue_level]
        factor = self.factor[self.catalogue_level]
        list_price[rows] = round_price(catalogue.structural_price[rows] * factor)
        return list_price

    def regional_keys(self, n_skus: int) -> tuple[np.ndarray, np.ndarray]:
        """Sorted keys ``region * n_skus + row`` of region-level plants, with their factors."""
        regional = ~self.catalogue_level
        keys = self.region[regional].astype(np.int64) * n_skus + self.row[regional]
        order = np.argsort(keys)
        return keys[order], self.factor[regional][order]

    def ground_truth(self, catalogue: Catalogue) -> pd.DataFrame:
        region_names = [r.name for r in REGIONS]
        truth = pd.DataFrame(
            {
                "sku": catalogue.table["sku"].to_numpy()[self.row],
                "level": pd.Categorical(
                    np.where(self.catalogue_level, "catalogue", "region"),
                    categories=["catalogue", "region"],
                ),
                "region": pd.Categorical.from_codes(self.region, pd.Index(region_names)),
                "cluster": pd.array(self.cluster, dtype="str"),
                "direction": pd.Categorical(
                    np.where(self.factor < 1.0, "under", "over"), categories=["under", "over"]
                ),
                "factor": self.factor,
                "pct_off": np.abs(1.0 - self.factor),
                "structural_price": np.round(catalogue.structural_price[self.row], 2),
            }
        )
        return truth.sort_values("sku", ignore_index=True)


def plant_mispricings(
    rng: np.random.Generator, catalogue: Catalogue, selling: np.ndarray
) -> Mispricings:
    """Choose and size the planted items. ``selling`` marks SKUs with any demand at all."""
    n_skus = len(catalogue)
    free = np.ones(n_skus, dtype=bool)
    parts = [
        *_brand_clusters(rng, catalogue, free, max(1, round(n_skus / SKUS_PER_BRAND_CLUSTER))),
        *_region_clusters(
            rng, catalogue, free, selling, max(1, round(n_skus / SKUS_PER_REGION_CLUSTER))
        ),
        _singles(rng, free, round(SINGLE_SHARE * n_skus)),
    ]
    return Mispricings(
        row=np.concatenate([p.row for p in parts]),
        factor=np.concatenate([p.factor for p in parts]),
        region=np.concatenate([p.region for p in parts]),
        cluster=np.concatenate([p.cluster for p in parts]),
    )


def _cluster_size(rng: np.random.Generator, n_skus: int) -> int:
    full = int(rng.integers(CLUSTER_SIZE[0], CLUSTER_SIZE[1] + 1))
    return max(MIN_CLUSTER_SIZE, round(full * min(1.0, n_skus / FULL_SIZE)))


def _brand_clusters(
    rng: np.random.Generator, catalogue: Catalogue, free: np.ndarray, count: int
) -> list[Mispricings]:
    brand = catalogue.lines.brand[catalogue.line]
    rim = catalogue.specs.rim
    clusters = []
    for b in rng.choice(len(BRANDS), size=min(count, len(BRANDS)), replace=False):
        size = _cluster_size(rng, len(catalogue))
        own = free & (brand == b)
        # A price-list slice: two neighbouring rim sizes across all the brand's lines.
        low = int(rng.choice(rim[own])) if own.any() else 0
        candidates = np.flatnonzero(own & (rim >= low) & (rim <= low + 1))
        if len(candidates) < size:
            candidates = np.flatnonzero(own)
        rows = rng.choice(candidates, size=min(size, len(candidates)), replace=False)
        factor = _cluster_factors(rng, len(rows), under_share=0.5)
        clusters.append(_mark(free, rows, factor, -1, f"brand:{BRANDS[b].name}"))
    return clusters


def _region_clusters(
    rng: np.random.Generator,
    catalogue: Catalogue,
    free: np.ndarray,
    selling: np.ndarray,
    count: int,
) -> list[Mispricings]:
    brand = catalogue.lines.brand[catalogue.line]
    clusters = []
    for r in rng.choice(len(REGIONS), size=min(count, len(REGIONS)), replace=False):
        size = _cluster_size(rng, len(catalogue))
        # A regional agreement covers a couple of brands, not the whole catalogue.
        brands = rng.choice(len(BRANDS), size=2, replace=False)
        # Only SKUs that sell, or the error would never show in a transaction.
        pool = np.flatnonzero(free & selling & np.isin(brand, brands))
        if len(pool) < size:
            pool = np.flatnonzero(free & selling)
        rows = rng.choice(pool, size=min(size, len(pool)), replace=False)
        # Regional deals err mostly on the cheap side.
        factor = _cluster_factors(rng, len(rows), under_share=0.7)
        clusters.append(_mark(free, rows, factor, int(r), f"region:{REGIONS[r].name}"))
    return clusters


def _singles(rng: np.random.Generator, free: np.ndarray, count: int) -> Mispricings:
    pool = np.flatnonzero(free)
    rows = np.sort(rng.choice(pool, size=min(count, len(pool)), replace=False))
    under = rng.random(len(rows)) < 0.5
    return _mark(free, rows, _factor(under, _pct_off(rng, len(rows))), -1, "single")


def _pct_off(rng: np.random.Generator, n: int) -> np.ndarray:
    """Spread over 10-60 % with more subtle than gross errors (mean ≈ 30 %)."""
    low, high = PCT_OFF_RANGE
    return low + (high - low) * rng.beta(1.2, 1.8, n)


def _cluster_factors(rng: np.random.Generator, n: int, *, under_share: float) -> np.ndarray:
    """One error for the whole cluster, varying a little item by item (list roundings, promos)."""
    under = np.full(n, rng.random() < under_share)
    base = float(_pct_off(rng, 1)[0])
    pct = np.clip(base * np.exp(rng.normal(0.0, 0.08, n)), *PCT_OFF_RANGE)
    return _factor(under, pct)


def _factor(under: np.ndarray, pct_off: np.ndarray) -> np.ndarray:
    return np.where(under, 1.0 - pct_off, 1.0 + pct_off)


def _mark(
    free: np.ndarray, rows: np.ndarray, factor: np.ndarray, region: int, cluster: str
) -> Mispricings:
    """Record a group of plants and take its SKUs out of the pool for later groups."""
    free[rows] = False
    return Mispricings(
        row=rows.astype(np.int64),
        factor=factor,
        region=np.full(len(rows), region, dtype=np.int64),
        cluster=np.full(len(rows), cluster, dtype=object),
    )
