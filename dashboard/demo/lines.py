"""Product lines: each brand's ranges, their positioning, size coverage and small line premia."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.demo.reference import (
    BRAND_OFFSET_SD,
    BRANDS,
    LINE_PREMIUM_CAP,
    LINE_PREMIUM_SD,
    LINE_SUFFIXES,
    RIM_MIN,
    RIM_WEIGHTS,
    SEASONS,
    SEGMENTS,
    SPEED_RATINGS,
    TIER_RUN_FLAT,
    TIERS,
    VEHICLE_CATEGORIES,
)
from dashboard.demo.sizes import LineShape

SKUS_PER_LINE = 110  # a typical line is made in about a hundred sizes and versions
_VAN = VEHICLE_CATEGORIES.index("van/light-truck")


@dataclass(frozen=True)
class Lines:
    """Per-line arrays (indexed by line) plus each brand's own price level."""

    name: np.ndarray
    brand: np.ndarray  # index into BRANDS
    tier: np.ndarray  # index into TIERS
    segment: np.ndarray  # index into SEGMENTS
    season: np.ndarray  # index into SEASONS
    shape: LineShape
    premium: np.ndarray  # the line's own log-price premium, not visible in any column
    popularity: np.ndarray  # log demand multiplier
    size_weight: np.ndarray  # relative number of SKUs: lines covering more rims have more sizes
    brand_offset: np.ndarray  # indexed by brand

    def __len__(self) -> int:
        return len(self.name)


def build_lines(rng: np.random.Generator, n_skus: int) -> Lines:
    # Bigger catalogues have more lines rather than lines in implausibly many versions.
    n_lines = max(round(n_skus / SKUS_PER_LINE), 2 * len(BRANDS))
    brand = np.repeat(np.arange(len(BRANDS)), _lines_per_brand(n_lines))
    tier = np.array([TIERS.index(BRANDS[b].tier) for b in brand])
    segment = _draw_segments(rng, tier)
    category = _draw_from(rng, segment, "categories", VEHICLE_CATEGORIES)
    season = _draw_from(rng, segment, "seasons", SEASONS)
    rim_low, rim_high = _rim_ranges(rng, segment, category)
    run_flat_share = np.array(
        [TIER_RUN_FLAT[TIERS[t]] * SEGMENTS[s].run_flat for t, s in zip(tier, segment, strict=True)]
    )
    shape = LineShape(
        category=category,
        rim_low=rim_low,
        rim_high=rim_high,
        speed_low=np.array([SPEED_RATINGS.index(SEGMENTS[s].speeds[0]) for s in segment]),
        speed_high=np.array([SPEED_RATINGS.index(SEGMENTS[s].speeds[1]) for s in segment]),
        run_flat_share=np.where(category == _VAN, 0.0, run_flat_share),
    )
    premium = np.clip(
        rng.normal(0.0, LINE_PREMIUM_SD, n_lines), -LINE_PREMIUM_CAP, LINE_PREMIUM_CAP
    )
    return Lines(
        name=_line_names(rng, brand, segment),
        brand=brand,
        tier=tier,
        segment=segment,
        season=season,
        shape=shape,
        premium=premium,
        popularity=rng.normal(0.0, 0.6, n_lines),
        size_weight=rng.lognormal(0.0, 0.5, n_lines) * (rim_high - rim_low + 1),
        brand_offset=rng.normal(0.0, BRAND_OFFSET_SD, len(BRANDS)),
    )


def _lines_per_brand(n_lines: int) -> np.ndarray:
    weights = np.array([b.weight for b in BRANDS])
    return allocate(n_lines, weights, minimum=2)


def allocate(total: int, weights: np.ndarray, *, minimum: int) -> np.ndarray:
    """Split ``total`` in proportion to ``weights`` (largest remainder), at least ``minimum`` each."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError(f"cannot give {len(weights)} parts at least {minimum} of {total}")
    exact = spare * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    short = spare - counts.sum()
    counts[np.argsort(counts - exact, kind="stable")[:short]] += 1
    return counts + minimum


def _draw_segments(rng: np.random.Generator, tier: np.ndarray) -> np.ndarray:
    weights = np.array([s.tier_weights for s in SEGMENTS]).T  # tier × segment
    probabilities = weights / weights.sum(axis=1, keepdims=True)
    return np.array([rng.choice(len(SEGMENTS), p=probabilities[t]) for t in tier])


def _draw_from(
    rng: np.random.Generator,
    segment: np.ndarray,
    attribute: str,
    labels: tuple[str, ...],
) -> np.ndarray:
    """For each line, a label drawn with the probabilities its segment's ``attribute`` gives."""
    picks = []
    for s in segment:
        table: dict[str, float] = getattr(SEGMENTS[s], attribute)
        names = list(table)
        p = np.array([table[n] for n in names])
        picks.append(labels.index(names[rng.choice(len(names), p=p / p.sum())]))
    return np.array(picks)


def _rim_ranges(
    rng: np.random.Generator, segment: np.ndarray, category: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A contiguous rim range per line, inside its segment's range and its vehicles' usual rims."""
    low = np.empty(len(segment), dtype=np.int64)
    high = np.empty(len(segment), dtype=np.int64)
    for i, (s, c) in enumerate(zip(segment, category, strict=True)):
        seg_low, seg_high = SEGMENTS[s].rims
        usual = [RIM_MIN + k for k, w in enumerate(RIM_WEIGHTS[VEHICLE_CATEGORIES[c]]) if w > 0]
        possible = [r for r in usual if seg_low <= r <= seg_high] or usual
        span = int(rng.integers(min(3, len(possible)), len(possible) + 1))
        start = int(rng.integers(0, len(possible) - span + 1))
        low[i], high[i] = possible[start], possible[start + span - 1]
    return low, high


def _line_names(rng: np.random.Generator, brand: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Names like 'Kestrel Polar Grip': brand, a stem that fits the segment, a suffix.

    When every combination tried is taken (big catalogues), the name gets a model mark: 'Mk2'.
    """
    names: list[str] = []
    taken: set[str] = set()
    for b, s in zip(brand, segment, strict=True):
        stems = SEGMENTS[s].names
        for _ in range(10):
            stem = stems[int(rng.integers(len(stems)))]
            suffix = LINE_SUFFIXES[int(rng.integers(len(LINE_SUFFIXES)))]
            name = f"{BRANDS[b].name} {stem} {suffix}"
            if name not in taken:
                break
        base, mark = name, 2
        while name in taken:
            name, mark = f"{base} Mk{mark}", mark + 1
        taken.add(name)
        names.append(name)
    return np.array(names)
