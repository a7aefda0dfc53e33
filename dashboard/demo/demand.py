"""Who buys which tyre: latent demand per SKU and the sampler that turns it into order lines.

Demand is popularity (common sizes, cheaper tiers, mainstream segments, a line's standing, a heavy
lognormal tail) times the price response: an item priced below its fair price sells more. Which
SKU an order line is for also depends on the month (winter tyres sell in autumn) and the region
(Nordic customers buy far more winter tyres than Iberian ones; a regional mispricing shifts sales
in that region only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.demo.catalogue import Catalogue
from dashboard.demo.reference import (
    NEW_LISTING_SHARE,
    PRICE_ELASTICITY,
    REGIONS,
    RIM_MIN,
    RIM_WEIGHTS,
    SEASON_MONTH_DEMAND,
    SEASONS,
    SEGMENTS,
    TIER_POPULARITY,
    TIERS,
    VEHICLE_CATEGORIES,
)
from dashboard.demo.sizes import typical_width

SKU_DEMAND_SD = 1.0  # the item-level spread of popularity: a few sizes sell most of the tyres
RUN_FLAT_POPULARITY = -0.8


def base_demand(rng: np.random.Generator, catalogue: Catalogue) -> np.ndarray:
    """Relative demand per SKU before any price effect; zero for SKUs listed too recently to sell."""
    lines, line, specs = catalogue.lines, catalogue.line, catalogue.specs
    category = lines.shape.category[line]
    rim_weights = np.array([RIM_WEIGHTS[name] for name in VEHICLE_CATEGORIES])
    rim_popularity = np.log(rim_weights[category, specs.rim - RIM_MIN] + 0.05)
    # Off-centre widths are niche fitments.
    width_popularity = -0.5 * ((specs.width - typical_width(category, specs.rim)) / 20.0) ** 2
    tier = np.array([TIER_POPULARITY[t] for t in TIERS])[catalogue.table["brand_tier"].cat.codes]
    segment = np.array([s.popularity for s in SEGMENTS])[lines.segment][line]
    log_demand = (
        rim_popularity
        + width_popularity
        + tier
        + segment
        + lines.popularity[line]
        + RUN_FLAT_POPULARITY * specs.run_flat
        + rng.normal(0.0, SKU_DEMAND_SD, len(line))
    )
    demand = np.exp(log_demand)
    demand[rng.random(len(line)) < NEW_LISTING_SHARE] = 0.0
    return demand


def price_response(price: np.ndarray, fair_price: np.ndarray) -> np.ndarray:
    """Demand multiplier for selling at ``price`` when the fair price is ``fair_price``."""
    return np.power(price / fair_price, -PRICE_ELASTICITY)


@dataclass(frozen=True)
class SkuSampler:
    """Draws the SKU of each order line given its region and calendar month."""

    season_rows: tuple[np.ndarray, ...]  # per season: catalogue rows of that season's SKUs
    cdf: tuple[tuple[np.ndarray, ...], ...]  # [region][season]: cumulative demand over those rows
    season_weight: np.ndarray  # region × season: how much of each season a region buys

    def draw(
        self, rng: np.random.Generator, region: np.ndarray, month_of_year: np.ndarray
    ) -> np.ndarray:
        weight = self.season_weight[region] * SEASON_MONTH_DEMAND.T[month_of_year]
        cumulative = np.cumsum(weight, axis=1)
        pick = rng.random(len(region)) * cumulative[:, -1]
        season = np.minimum((pick[:, None] >= cumulative).sum(axis=1), len(SEASONS) - 1)
        rows = np.empty(len(region), dtype=np.int64)
        key = region.astype(np.int64) * len(SEASONS) + season
        for k in np.unique(key):
            r, s = divmod(int(k), len(SEASONS))
            lines = np.flatnonzero(key == k)
            cdf = self.cdf[r][s]
            at = np.searchsorted(cdf, rng.random(len(lines)) * cdf[-1], side="right")
            rows[lines] = self.season_rows[s][np.minimum(at, len(cdf) - 1)]
        return rows


def build_sampler(
    season: np.ndarray,
    demand: np.ndarray,
    regional_keys: np.ndarray,
    regional_factors: np.ndarray,
) -> SkuSampler:
    """``season`` per SKU; ``demand`` after the catalogue price response; regional plants as keys
    ``region * n_skus + row`` with their price factors."""
    n_skus = len(demand)
    season_rows = tuple(np.flatnonzero(season == s) for s in range(len(SEASONS)))
    appetite = np.array([[1.0, r.winter, r.all_season] for r in REGIONS])
    cdf: list[tuple[np.ndarray, ...]] = []
    totals = np.empty((len(REGIONS), len(SEASONS)))
    for r in range(len(REGIONS)):
        regional = demand.copy()
        mine = regional_keys // n_skus == r
        rows = regional_keys[mine] % n_skus
        regional[rows] *= price_response(regional_factors[mine], np.ones(len(rows)))
        per_season = tuple(np.cumsum(regional[rows_s]) for rows_s in season_rows)
        cdf.append(per_season)
        totals[r] = [c[-1] if len(c) else 0.0 for c in per_season]
    return SkuSampler(season_rows=season_rows, cdf=tuple(cdf), season_weight=totals * appetite)
