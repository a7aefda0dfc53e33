"""The tyre distributor's world: brands, line segments, regions, customers and their price effects.

Every number that shapes the demo lives here, so the structure a scoring model has to learn can be
read in one place. Price effects are on the log scale (0.10 ≈ +10 %). Brand names are invented so
that planted "mispricings" never point at a real company.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GENERATOR_VERSION = "1.0"

TIERS = ("premium", "mid", "budget")
SEASONS = ("summer", "winter", "all-season")
VEHICLE_CATEGORIES = ("passenger", "SUV/4x4", "van/light-truck")
SPEED_RATINGS = ("Q", "R", "S", "T", "H", "V", "W", "Y")

# Rims 13..22 inches; the index into these tables is rim - RIM_MIN.
RIM_MIN, RIM_MAX = 13, 22
RIMS = np.arange(RIM_MIN, RIM_MAX + 1)

# The last month of transactions is fixed, not "today", so the same seed gives the same data forever.
PERIOD_END_MONTH = np.datetime64("2025-12", "M")


@dataclass(frozen=True)
class Brand:
    name: str
    code: str
    tier: str
    weight: float  # share of the catalogue's lines relative to other brands


BRANDS: tuple[Brand, ...] = (
    Brand("Aurelion", "AUR", "premium", 1.6),
    Brand("Valdor", "VAL", "premium", 1.4),
    Brand("Kestrel", "KES", "premium", 1.3),
    Brand("Norvik", "NOR", "premium", 1.1),
    Brand("Stahlberg", "STA", "premium", 1.0),
    Brand("Contessa", "CON", "premium", 0.8),
    Brand("Brightwater", "BRI", "premium", 0.7),
    Brand("Meridian", "MER", "mid", 1.3),
    Brand("Halcyon", "HAL", "mid", 1.2),
    Brand("Trailcrest", "TRA", "mid", 1.0),
    Brand("Vantor", "VAN", "mid", 1.0),
    Brand("Ostara", "OST", "mid", 0.9),
    Brand("Pelion", "PEL", "mid", 0.9),
    Brand("Rivermark", "RIV", "mid", 0.8),
    Brand("Solano", "SOL", "mid", 0.8),
    Brand("Fjordan", "FJO", "mid", 0.7),
    Brand("Tracko", "TRK", "budget", 1.1),
    Brand("Duravia", "DUR", "budget", 1.0),
    Brand("Linmax", "LIN", "budget", 0.9),
    Brand("Sunvale", "SUN", "budget", 0.9),
    Brand("Motrix", "MOT", "budget", 0.8),
    Brand("Granta", "GRA", "budget", 0.8),
    Brand("Zenvia", "ZEN", "budget", 0.7),
    Brand("Ecomile", "ECO", "budget", 0.6),
)

# Tier price level at 16" and how it widens with rim size (premium brands charge more for big rims).
TIER_PRICE = {"premium": 0.26, "mid": 0.0, "budget": -0.30}
TIER_PRICE_PER_RIM = {"premium": 0.015, "mid": 0.0, "budget": -0.01}
BRAND_OFFSET_SD = 0.05  # a brand's own level within its tier, drawn per seed
TIER_MARGIN = {"premium": 0.70, "mid": 0.66, "budget": 0.62}  # cost ≈ structural price × this
TIER_POPULARITY = {"premium": 0.0, "mid": 0.25, "budget": 0.35}
TIER_RUN_FLAT = {"premium": 0.12, "mid": 0.04, "budget": 0.005}
TIER_DISCOUNT = {"premium": -0.02, "mid": 0.0, "budget": 0.01}  # premium brands allow less


@dataclass(frozen=True)
class Segment:
    """A line's positioning: what it sells for, to which vehicles, in which sizes and speeds."""

    name: str
    seasons: dict[str, float]
    categories: dict[str, float]
    rims: tuple[int, int]
    speeds: tuple[str, str]
    price: float
    popularity: float
    run_flat: float  # multiplier on the tier's run-flat share
    tier_weights: tuple[float, float, float]  # how often premium / mid / budget brands have it
    names: tuple[str, ...]


SEGMENTS: tuple[Segment, ...] = (
    Segment("touring", {"summer": 1.0}, {"passenger": 0.8, "SUV/4x4": 0.2}, (14, 19), ("T", "V"),
            0.0, 0.30, 1.0, (1.0, 1.4, 1.6), ("Voyage", "Serene", "Cruise", "Primo", "Comfort")),
    Segment("eco", {"summer": 1.0}, {"passenger": 0.9, "SUV/4x4": 0.1}, (13, 18), ("T", "V"),
            0.02, 0.20, 0.3, (0.7, 1.0, 1.4), ("EcoLeaf", "GreenSaver", "Efficia", "Breeze")),
    Segment("performance", {"summer": 1.0}, {"passenger": 0.75, "SUV/4x4": 0.25}, (16, 20),
            ("V", "W"), 0.10, 0.0, 1.2, (1.2, 1.0, 0.6), ("Dynamo", "Pulse", "Velocity", "Sprint")),
    Segment("ultra-high-performance", {"summer": 1.0}, {"passenger": 0.8, "SUV/4x4": 0.2},
            (17, 22), ("W", "Y"), 0.22, -0.5, 1.5, (1.3, 0.6, 0.2),
            ("Apex", "Circuit", "Vector", "Corsa")),
    Segment("all-season", {"all-season": 1.0},
            {"passenger": 0.7, "SUV/4x4": 0.2, "van/light-truck": 0.1}, (14, 20), ("T", "V"),
            0.05, 0.20, 0.6, (1.0, 1.1, 1.0), ("Quattro", "AllYear", "Omni", "Seasons")),
    Segment("all-terrain", {"all-season": 1.0}, {"SUV/4x4": 1.0}, (15, 20), ("S", "H"),
            0.08, -0.20, 0.0, (0.8, 1.0, 0.9), ("Terra", "Ridge", "Canyon", "Trail")),
    Segment("mud-terrain", {"all-season": 1.0}, {"SUV/4x4": 1.0}, (15, 20), ("Q", "S"),
            0.15, -0.90, 0.0, (0.4, 0.6, 0.5), ("MudClaw", "Rockgrip", "Bogmaster")),
    Segment("winter-studless", {"winter": 1.0},
            {"passenger": 0.65, "SUV/4x4": 0.3, "van/light-truck": 0.05}, (14, 20), ("Q", "H"),
            0.03, 0.20, 0.4, (1.0, 1.0, 1.0), ("Polar", "Frost", "Arctic", "IceGuard")),
    Segment("winter-performance", {"winter": 1.0}, {"passenger": 0.7, "SUV/4x4": 0.3},
            (16, 21), ("H", "W"), 0.10, -0.20, 1.0, (1.2, 0.9, 0.4), ("Alpine", "SnowSport")),
    Segment("commercial", {"summer": 0.5, "winter": 0.2, "all-season": 0.3},
            {"van/light-truck": 1.0}, (14, 17), ("R", "T"), 0.0, 0.0, 0.0, (0.8, 1.0, 1.0),
            ("Cargo", "Transit", "Workhorse", "Haul")),
)  # fmt: skip

LINE_SUFFIXES = ("Pro", "Plus", "2", "3", "4", "5", "Evo", "Max", "Grip", "Control", "Drive", "HP",
                 "Edge", "Prime", "X", "II", "Touch", "Sport")  # fmt: skip

SEASON_PRICE = {"summer": 0.0, "winter": 0.07, "all-season": 0.03}
CATEGORY_PRICE = {"passenger": 0.0, "SUV/4x4": 0.06, "van/light-truck": 0.05}
SPEED_PRICE = {"Q": -0.07, "R": -0.06, "S": -0.04, "T": -0.02, "H": 0.0, "V": 0.04, "W": 0.09,
               "Y": 0.14}  # fmt: skip
RUN_FLAT_PRICE = 0.18
EXTRA_LOAD_PRICE = 0.03

# Price of a mid-tier touring 205/55R16 H passenger tyre, the reference everything is relative to.
BASE_PRICE = 88.0
# A line's own premium: small, because scoring groups folds by line and cannot learn line identity.
LINE_PREMIUM_SD = 0.02
LINE_PREMIUM_CAP = 0.05
ITEM_NOISE_SD = 0.035  # unexplained item-level price noise (lognormal)
COST_NOISE_SD = 0.085  # the buying price's own noise around the structural price

# Rim popularity within each vehicle category (relative, for rims 13..22).
RIM_WEIGHTS = {
    "passenger": (0.3, 0.8, 1.3, 1.8, 1.8, 1.3, 0.8, 0.5, 0.2, 0.1),
    "SUV/4x4": (0.0, 0.0, 0.4, 1.0, 1.5, 1.5, 1.0, 0.9, 0.4, 0.3),
    "van/light-truck": (0.0, 0.4, 1.0, 1.5, 0.6, 0.0, 0.0, 0.0, 0.0, 0.0),
}


@dataclass(frozen=True)
class SizeShape:
    """Where widths and aspect ratios sit for a vehicle category: centre at a reference rim + slope."""

    ref_rim: int
    width: float
    width_per_rim: float
    aspect: float
    aspect_per_rim: float
    load_bonus: int  # vans use reinforced (C) construction, so carry more for the same size


SIZE_SHAPES = {
    "passenger": SizeShape(16, 205.0, 15.0, 55.0, -7.0, 0),
    "SUV/4x4": SizeShape(17, 235.0, 10.0, 65.0, -6.0, 0),
    "van/light-truck": SizeShape(15, 205.0, 12.0, 70.0, -3.0, 8),
}


@dataclass(frozen=True)
class Region:
    name: str
    share: float  # of customers
    winter: float  # appetite for winter tyres relative to the average region
    all_season: float


REGIONS: tuple[Region, ...] = (
    Region("DACH", 0.20, 1.5, 1.0),
    Region("France", 0.15, 0.9, 1.2),
    Region("Italy", 0.13, 0.7, 1.0),
    Region("UK & Ireland", 0.14, 0.4, 1.6),
    Region("Iberia", 0.11, 0.25, 0.8),
    Region("Benelux", 0.08, 1.0, 1.3),
    Region("Nordics", 0.07, 2.2, 0.6),
    Region("Central Europe", 0.12, 1.4, 1.0),
)

CHANNELS = ("direct", "distributor", "e-commerce", "telesales")
CHANNEL_DISCOUNT = (0.02, -0.03, 0.01, 0.0)


@dataclass(frozen=True)
class CustomerSegment:
    name: str
    share: float  # of customers
    activity: float  # relative number of order lines per customer
    discount: float  # typical discount off list
    quantity: float  # median tyres per order line
    channels: tuple[float, float, float, float]  # probabilities in CHANNELS order


CUSTOMER_SEGMENTS: tuple[CustomerSegment, ...] = (
    CustomerSegment("garage", 0.40, 0.6, 0.06, 2.0, (0.15, 0.35, 0.35, 0.15)),
    CustomerSegment("independent dealer", 0.25, 1.5, 0.12, 4.0, (0.35, 0.25, 0.25, 0.15)),
    CustomerSegment("tyre chain", 0.05, 8.0, 0.20, 8.0, (0.80, 0.05, 0.15, 0.0)),
    CustomerSegment("fleet", 0.10, 2.0, 0.16, 6.0, (0.75, 0.10, 0.05, 0.10)),
    CustomerSegment("online retailer", 0.05, 6.0, 0.15, 6.0, (0.30, 0.05, 0.65, 0.0)),
    CustomerSegment("car dealership", 0.15, 1.0, 0.10, 4.0, (0.30, 0.40, 0.20, 0.10)),
)

# Order lines per calendar month (Jan..Dec): the spring and autumn tyre changes dominate.
MONTH_VOLUME = (0.80, 0.75, 1.15, 1.30, 1.00, 0.85, 0.80, 0.80, 0.95, 1.35, 1.30, 0.90)
# Which season's tyres sell in which calendar month (rows in SEASONS order).
SEASON_MONTH_DEMAND = np.array(
    [
        [0.3, 0.5, 1.3, 1.6, 1.3, 1.0, 0.9, 0.8, 0.7, 0.4, 0.3, 0.3],  # summer
        [0.9, 0.5, 0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.5, 1.6, 1.8, 1.2],  # winter
        [0.9, 0.9, 1.1, 1.1, 1.0, 0.9, 0.9, 0.9, 1.0, 1.1, 1.1, 1.0],  # all-season
    ]
)
YEARLY_GROWTH = 0.04
PRICE_ELASTICITY = 1.5  # demand ∝ (price / fair price) ** -elasticity: cheap items sell more
NEW_LISTING_SHARE = 0.03  # SKUs just listed: no sales yet
