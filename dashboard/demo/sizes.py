"""Tyre specifications for SKUs: size, load index, speed rating, run-flat.

Sizes follow how real tyres are built: bigger rims come with wider treads and lower sidewalls, SUVs
run bigger and taller sizes than cars, vans sit on small rims with tall sidewalls, and the load index
follows the air volume the size holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.demo.reference import (
    RIM_MAX,
    RIM_MIN,
    RIM_WEIGHTS,
    SIZE_SHAPES,
    SPEED_RATINGS,
    VEHICLE_CATEGORIES,
)


@dataclass(frozen=True)
class LineShape:
    """Per-line arrays that decide what sizes a line is made in (indexed by line)."""

    category: np.ndarray  # index into VEHICLE_CATEGORIES
    rim_low: np.ndarray
    rim_high: np.ndarray
    speed_low: np.ndarray  # index into SPEED_RATINGS
    speed_high: np.ndarray
    run_flat_share: np.ndarray


@dataclass(frozen=True)
class Specs:
    """Per-SKU specification arrays."""

    width: np.ndarray
    aspect: np.ndarray
    rim: np.ndarray
    load_index: np.ndarray
    extra_load: np.ndarray  # bool: reinforced (XL) version of the size
    speed: np.ndarray  # index into SPEED_RATINGS
    run_flat: np.ndarray  # bool

    def subset(self, rows: np.ndarray) -> Specs:
        return Specs(*(getattr(self, name)[rows] for name in _SPEC_FIELDS))

    def replace_rows(self, rows: np.ndarray, new: Specs) -> Specs:
        merged = []
        for name in _SPEC_FIELDS:
            column = getattr(self, name).copy()
            column[rows] = getattr(new, name)
            merged.append(column)
        return Specs(*merged)


_SPEC_FIELDS = ("width", "aspect", "rim", "load_index", "extra_load", "speed", "run_flat")


def draw_specs(rng: np.random.Generator, shape: LineShape, line: np.ndarray) -> Specs:
    """One specification per SKU, where ``line[i]`` is the line SKU ``i`` belongs to."""
    category = shape.category[line]
    rim = _draw_rims(rng, shape, line)
    width, aspect = _draw_width_aspect(rng, category, rim)
    extra_load = _draw_extra_load(rng, category, rim)
    return Specs(
        width=width,
        aspect=aspect,
        rim=rim,
        load_index=load_index(width, aspect, rim, category, extra_load),
        extra_load=extra_load,
        speed=_draw_speed(rng, shape, line, rim),
        run_flat=(rim >= 16) & (rng.random(len(line)) < shape.run_flat_share[line]),
    )


def _draw_rims(rng: np.random.Generator, shape: LineShape, line: np.ndarray) -> np.ndarray:
    rims = np.arange(RIM_MIN, RIM_MAX + 1)
    weights = np.array([RIM_WEIGHTS[name] for name in VEHICLE_CATEGORIES])[shape.category]
    in_range = (rims >= shape.rim_low[:, None]) & (rims <= shape.rim_high[:, None])
    weights = np.where(in_range, weights, 0.0)
    # A line whose range misses its category's usual rims still needs sizes: spread evenly then.
    weights[weights.sum(axis=1) == 0] = in_range[weights.sum(axis=1) == 0]
    cdf = np.cumsum(weights, axis=1)
    cdf /= cdf[:, -1:]
    picks = (rng.random(len(line))[:, None] > cdf[line]).sum(axis=1)
    return (RIM_MIN + np.minimum(picks, len(rims) - 1)).astype(np.int16)


def _draw_width_aspect(
    rng: np.random.Generator, category: np.ndarray, rim: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    shapes = [SIZE_SHAPES[name] for name in VEHICLE_CATEGORIES]
    ref_rim = np.array([s.ref_rim for s in shapes])[category]
    width_centre = typical_width(category, rim)
    above = np.maximum(rim - ref_rim, 0)
    # Sidewalls shrink with rim size, but ever more slowly: 21" tyres are still 30-40 series.
    aspect_centre = (
        np.array([s.aspect for s in shapes])[category]
        + np.array([s.aspect_per_rim for s in shapes])[category] * (rim - ref_rim)
        + 0.5 * above**2
    )
    raw_width = width_centre + rng.normal(0.0, 12.0, len(rim))
    # Widths come in 10 mm steps ending in 5 (195, 205, ...); aspect ratios in steps of 5.
    width = np.clip(np.round((raw_width - 5.0) / 10.0) * 10.0 + 5.0, 155, 335)
    # On a given rim a wider tyre has a lower sidewall.
    raw_aspect = aspect_centre - 0.15 * (width - width_centre) + rng.normal(0.0, 4.5, len(rim))
    aspect = np.clip(np.round(raw_aspect / 5.0) * 5.0, 25, 80)
    return width.astype(np.int16), aspect.astype(np.int16)


def typical_width(category: np.ndarray, rim: np.ndarray) -> np.ndarray:
    """The most common tread width for a vehicle category on a rim size."""
    shapes = [SIZE_SHAPES[name] for name in VEHICLE_CATEGORIES]
    ref_rim = np.array([s.ref_rim for s in shapes])[category]
    width = np.array([s.width for s in shapes])[category]
    return width + np.array([s.width_per_rim for s in shapes])[category] * (rim - ref_rim)


def _draw_extra_load(rng: np.random.Generator, category: np.ndarray, rim: np.ndarray) -> np.ndarray:
    van = category == VEHICLE_CATEGORIES.index("van/light-truck")
    share = np.clip(0.1 + 0.08 * (rim - 15), 0.05, 0.6)
    return (~van) & (rng.random(len(rim)) < share)


def load_index(
    width: np.ndarray,
    aspect: np.ndarray,
    rim: np.ndarray,
    category: np.ndarray,
    extra_load: np.ndarray,
) -> np.ndarray:
    """Load index from the size's air volume: 205/55R16 carries index 91, a doubling adds ~22."""
    sidewall = width * aspect / 100.0
    volume = width * sidewall * (rim * 25.4 + sidewall)
    base = 91.0 + 31.5 * np.log(volume / 12.0e6)
    bonus = np.array([SIZE_SHAPES[name].load_bonus for name in VEHICLE_CATEGORIES])[category]
    index = np.round(base) + bonus + np.where(extra_load, 4, 0)
    return np.clip(index, 60, 125).astype(np.int16)


def _draw_speed(
    rng: np.random.Generator, shape: LineShape, line: np.ndarray, rim: np.ndarray
) -> np.ndarray:
    low, high = shape.speed_low[line], shape.speed_high[line]
    # Bigger rims sit on faster cars, so they get the faster ratings of the line's range.
    position = np.clip((rim - 14) / 7.0, 0.0, 1.0)
    jitter = rng.choice(np.array([-1, 0, 0, 0, 1]), size=len(line))
    speed = np.round(low + (high - low) * position) + jitter
    return np.clip(speed, low, high).astype(np.int8)


def size_label(width: np.ndarray, aspect: np.ndarray, rim: np.ndarray) -> np.ndarray:
    """Sizes as printed on the sidewall: '205/55R16'."""
    return np.char.add(
        np.char.add(np.char.add(width.astype(str), "/"), np.char.add(aspect.astype(str), "R")),
        rim.astype(str),
    )


def speed_labels(speed: np.ndarray) -> np.ndarray:
    return np.asarray(SPEED_RATINGS)[speed]
