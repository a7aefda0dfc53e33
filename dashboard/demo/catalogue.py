"""The catalogue: one row per SKU, with a structural price every column helps explain.

The structural (fair) price is a function of what the catalogue shows — size, tier, brand, segment,
season, vehicle category, speed rating, load index, run-flat — times a small premium of the SKU's
line. The list price is that times modest lognormal noise, rounded like a real price list; the
distributor's cost follows the structural price with its own, larger noise.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.demo.lines import Lines, allocate, build_lines
from dashboard.demo.reference import (
    BASE_PRICE,
    BRANDS,
    CATEGORY_PRICE,
    COST_NOISE_SD,
    EXTRA_LOAD_PRICE,
    ITEM_NOISE_SD,
    RUN_FLAT_PRICE,
    SEASON_PRICE,
    SEASONS,
    SEGMENTS,
    SPEED_PRICE,
    SPEED_RATINGS,
    TIER_MARGIN,
    TIER_PRICE,
    TIER_PRICE_PER_RIM,
    TIERS,
    VEHICLE_CATEGORIES,
)
from dashboard.demo.sizes import Specs, draw_specs, size_label

logger = logging.getLogger(__name__)

_MAX_REDRAWS = 40


@dataclass(frozen=True)
class Catalogue:
    """The catalogue table (before sales volumes) and what only the generator knows about it."""

    table: pd.DataFrame  # published columns except units_12m; list_price still clean
    line: np.ndarray  # line index per SKU
    lines: Lines
    specs: Specs
    structural_price: np.ndarray

    def __len__(self) -> int:
        return len(self.table)


def build_catalogue(rng: np.random.Generator, n_skus: int) -> Catalogue:
    lines = build_lines(rng, n_skus)
    planned = np.repeat(np.arange(len(lines)), allocate(n_skus, lines.size_weight, minimum=1))
    line, specs = _distinct_specs(rng, lines, planned)
    structural = np.exp(structural_log_price(lines, line, specs))
    list_price = round_price(structural * np.exp(rng.normal(0.0, ITEM_NOISE_SD, n_skus)))
    margin = np.array([TIER_MARGIN[t] for t in TIERS])[lines.tier[line]]
    cost = np.round(structural * margin * np.exp(rng.normal(0.0, COST_NOISE_SD, n_skus)), 2)
    table = _catalogue_table(lines, line, specs, cost=cost, list_price=list_price)
    return Catalogue(table=table, line=line, lines=lines, specs=specs, structural_price=structural)


def _distinct_specs(
    rng: np.random.Generator, lines: Lines, line: np.ndarray
) -> tuple[np.ndarray, Specs]:
    """Line and specs per SKU, no two SKUs of a line identical (a catalogue lists each once).

    Returned sorted by line, as a price list is.
    """
    specs = draw_specs(rng, lines.shape, line)
    for attempt in range(_MAX_REDRAWS):
        repeated = _repeated_rows(line, specs)
        if len(repeated) == 0:
            break
        if attempt >= _MAX_REDRAWS // 4:
            # A narrow line (vans: few rims, no XL, no run-flat) can run out of distinct versions;
            # the SKU then belongs to another line of the same brand.
            line = line.copy()
            line[repeated] = _sibling_lines(rng, lines, line[repeated])
        specs = specs.replace_rows(repeated, draw_specs(rng, lines.shape, line[repeated]))
    else:
        logger.warning("%d SKUs repeat another of their line", len(_repeated_rows(line, specs)))
    order = np.argsort(line, kind="stable")
    return line[order], specs.subset(order)


def _sibling_lines(rng: np.random.Generator, lines: Lines, line: np.ndarray) -> np.ndarray:
    """A random line of the same brand for each SKU (a brand's lines are numbered together)."""
    brand = lines.brand[line]
    first = np.searchsorted(lines.brand, brand, side="left")
    count = np.searchsorted(lines.brand, brand, side="right") - first
    return (first + np.floor(rng.random(len(line)) * count)).astype(line.dtype)


def _repeated_rows(line: np.ndarray, specs: Specs) -> np.ndarray:
    """Rows repeating an earlier SKU of the same line in every specification."""
    # One integer per version; every part is small and non-negative, so the packing is exact.
    key = line.astype(np.int64)
    for part, span in (
        (specs.width // 5, 80),
        (specs.aspect // 5, 20),
        (specs.rim, 30),
        (specs.load_index, 200),
        (specs.speed, len(SPEED_RATINGS)),
        (specs.run_flat, 2),
    ):
        key = key * span + part.astype(np.int64)
    order = np.argsort(key, kind="stable")
    repeats = np.flatnonzero(key[order][1:] == key[order][:-1]) + 1
    return np.sort(order[repeats])


def structural_log_price(lines: Lines, line: np.ndarray, specs: Specs) -> np.ndarray:
    """Log fair price: visible structure plus the line's small premium."""
    rim_step = specs.rim.astype(np.float64) - 16.0
    size = (
        0.075 * rim_step
        + 0.010 * rim_step**2
        + 0.9 * np.log(specs.width / 205.0)
        - 0.003 * (specs.aspect.astype(np.float64) - 55.0)
    )
    tier = lines.tier[line]
    tier_level = np.array([TIER_PRICE[t] for t in TIERS])[tier]
    tier_slope = np.array([TIER_PRICE_PER_RIM[t] for t in TIERS])[tier]
    brand = lines.brand_offset[lines.brand][line]
    segment = np.array([s.price for s in SEGMENTS])[lines.segment][line]
    season = np.array([SEASON_PRICE[s] for s in SEASONS])[lines.season][line]
    category = np.array([CATEGORY_PRICE[c] for c in VEHICLE_CATEGORIES])[lines.shape.category]
    speed = np.array([SPEED_PRICE[s] for s in SPEED_RATINGS])[specs.speed]
    return (
        np.log(BASE_PRICE)
        + size
        + tier_level
        + tier_slope * rim_step
        + brand
        + segment
        + season
        + category[line]
        + speed
        + RUN_FLAT_PRICE * specs.run_flat
        + EXTRA_LOAD_PRICE * specs.extra_load
        + lines.premium[line]
    )


def round_price(price: np.ndarray) -> np.ndarray:
    """Round like a price list: 89.99 below 250, whole fives (255, 260) above."""
    charm = np.maximum(np.round(price), 1.0) - 0.01
    fives = np.round(price / 5.0) * 5.0
    return np.round(np.where(price < 250.0, charm, fives), 2)


def _catalogue_table(
    lines: Lines, line: np.ndarray, specs: Specs, *, cost: np.ndarray, list_price: np.ndarray
) -> pd.DataFrame:
    brand_names = [b.name for b in BRANDS]
    brand = lines.brand[line]
    sizes = size_label(specs.width, specs.aspect, specs.rim)
    codes = np.array([b.code for b in BRANDS])[brand]
    numbers = np.char.zfill(np.arange(1, len(line) + 1).astype(str), 6)
    sku = np.char.add(np.char.add("TY-", numbers), np.char.add(np.char.add("-", codes), "-"))
    sku = np.char.add(sku, np.char.replace(np.char.replace(sizes, "/", ""), "R", ""))
    return pd.DataFrame(
        {
            "sku": pd.array(sku, dtype="str"),
            "brand": pd.Categorical.from_codes(brand, pd.Index(brand_names)),
            "brand_tier": pd.Categorical.from_codes(lines.tier[line], pd.Index(TIERS)),
            "product_line": pd.Categorical.from_codes(line, pd.Index(lines.name)),
            "line_segment": pd.Categorical.from_codes(
                lines.segment[line], pd.Index([s.name for s in SEGMENTS])
            ),
            "width": specs.width,
            "aspect": specs.aspect,
            "rim": specs.rim,
            "size": pd.Categorical(sizes, categories=sorted(set(sizes.tolist()), key=_size_order)),
            "season": pd.Categorical.from_codes(lines.season[line], pd.Index(SEASONS)),
            "load_index": specs.load_index,
            "speed_rating": pd.Categorical.from_codes(specs.speed, pd.Index(SPEED_RATINGS)),
            "run_flat": specs.run_flat.astype(bool),
            "vehicle_category": pd.Categorical.from_codes(
                lines.shape.category[line], pd.Index(VEHICLE_CATEGORIES)
            ),
            "cost": cost,
            "list_price": list_price,
        }
    )


def _size_order(size: str) -> tuple[int, int, int]:
    width, rest = size.split("/")
    aspect, rim = rest.split("R")
    return int(rim), int(width), int(aspect)
