"""Order lines over the period: who bought which tyre, when, where, how many, at what net price.

Lines are generated a few months at a time (a *chunk*) with vectorised numpy, so memory stays flat
however many lines are asked for, and each chunk has its own random stream so the result does not
depend on anything but the seed and the sizes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from dashboard.demo.customers import Customers
from dashboard.demo.demand import SkuSampler
from dashboard.demo.reference import (
    CHANNEL_DISCOUNT,
    CUSTOMER_SEGMENTS,
    MONTH_VOLUME,
    PERIOD_END_MONTH,
    YEARLY_GROWTH,
)

# Orders come in on weekdays, a few on Saturdays, hardly any on Sundays (Monday first).
WEEKDAY_WEIGHT = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.35, 0.05])
QUANTITY_SD = 0.6  # lognormal spread of tyres per line around the segment's median
EVEN_QUANTITY_SHARE = 0.6  # tyres are mostly bought in pairs or sets
MAX_QUANTITY = 400
QUANTITY_DISCOUNT_PER_DOUBLING, MAX_QUANTITY_DISCOUNT = 0.015, 0.06
LINE_DISCOUNT_SD = 0.015
MAX_DISCOUNT = 0.45


@dataclass(frozen=True)
class Period:
    """The months covered and how many order lines fall in each."""

    first_month: np.datetime64
    lines_per_month: np.ndarray

    @property
    def months(self) -> int:
        return len(self.lines_per_month)

    @property
    def first_day(self) -> np.datetime64:
        return self.first_month.astype("datetime64[D]")

    @property
    def last_day(self) -> np.datetime64:
        return (self.first_month + self.months).astype("datetime64[D]") - 1

    def chunks(self, count: int) -> list[range]:
        """Month ranges of about equal length, in order."""
        edges = np.linspace(0, self.months, min(count, self.months) + 1).round().astype(int)
        return [range(a, b) for a, b in itertools.pairwise(edges)]


def plan_period(rng: np.random.Generator, n_transactions: int, months: int) -> Period:
    first = PERIOD_END_MONTH - (months - 1)
    month_index = np.arange(months)
    weight = np.array(MONTH_VOLUME)[_month_of_year(first + month_index)]
    weight = weight * (1.0 + YEARLY_GROWTH) ** (month_index / 12.0)
    return Period(first, rng.multinomial(n_transactions, weight / weight.sum()))


def _month_of_year(month: np.ndarray) -> np.ndarray:
    """0 for January … 11 for December (numpy months count from January 1970)."""
    return month.astype(np.int64) % 12


@dataclass(frozen=True)
class Market:
    """What every order line is drawn from."""

    list_price: np.ndarray  # per SKU, as published (planted catalogue errors included)
    tier_discount: np.ndarray  # per SKU: premium brands allow less discount
    customers: Customers
    sampler: SkuSampler
    regional_keys: np.ndarray  # region * n_skus + row of regional plants, sorted
    regional_factors: np.ndarray


@dataclass(frozen=True)
class OrderLines:
    date: np.ndarray  # datetime64[D]
    sku: np.ndarray  # catalogue row
    customer: np.ndarray
    segment: np.ndarray
    region: np.ndarray
    channel: np.ndarray
    quantity: np.ndarray
    net_price: np.ndarray

    def __len__(self) -> int:
        return len(self.date)


def generate_lines(
    rng: np.random.Generator, period: Period, months: range, market: Market
) -> OrderLines:
    """All order lines of the given months, sorted by date."""
    month = np.repeat(np.arange(months.start, months.stop), period.lines_per_month[months])
    date = _draw_dates(rng, period, months)
    customer = market.customers.draw(rng, len(month))
    segment = market.customers.segment[customer]
    region = market.customers.region[customer]
    sku = market.sampler.draw(rng, region, _month_of_year(period.first_month + month))
    channel = _draw_channels(rng, segment)
    quantity = _draw_quantities(rng, segment)
    discount = _discounts(rng, market, customer, segment, channel, quantity, sku)
    factor = _regional_factor(market, region, sku)
    net_price = np.round(market.list_price[sku] * (1.0 - discount) * factor, 2)
    order = np.argsort(date, kind="stable")
    return OrderLines(
        date=date[order],
        sku=sku[order].astype(np.int32),
        customer=customer[order].astype(np.int32),
        segment=segment[order],
        region=region[order],
        channel=channel[order],
        quantity=quantity[order],
        net_price=net_price[order],
    )


def _draw_dates(rng: np.random.Generator, period: Period, months: range) -> np.ndarray:
    dates = []
    for m in months:
        start = (period.first_month + m).astype("datetime64[D]")
        end = (period.first_month + m + 1).astype("datetime64[D]")
        days = np.arange(start, end)
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        weight = WEEKDAY_WEIGHT[weekday]
        dates.append(rng.choice(days, size=int(period.lines_per_month[m]), p=weight / weight.sum()))
    return np.concatenate(dates) if dates else np.array([], dtype="datetime64[D]")


def _draw_channels(rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
    cumulative = np.cumsum([s.channels for s in CUSTOMER_SEGMENTS], axis=1)[segment]
    pick = rng.random(len(segment)) * cumulative[:, -1]
    return np.minimum((pick[:, None] >= cumulative).sum(axis=1), cumulative.shape[1] - 1).astype(
        np.int8
    )


def _draw_quantities(rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
    median = np.array([s.quantity for s in CUSTOMER_SEGMENTS])[segment]
    raw = median * np.exp(rng.normal(0.0, QUANTITY_SD, len(segment)))
    quantity = np.maximum(np.round(raw), 1.0)
    paired = (rng.random(len(segment)) < EVEN_QUANTITY_SHARE) & (quantity >= 2)
    quantity = np.where(paired, 2.0 * np.ceil(quantity / 2.0), quantity)
    return np.minimum(quantity, MAX_QUANTITY).astype(np.int32)


def _discounts(
    rng: np.random.Generator,
    market: Market,
    customer: np.ndarray,
    segment: np.ndarray,
    channel: np.ndarray,
    quantity: np.ndarray,
    sku: np.ndarray,
) -> np.ndarray:
    """Off list: the segment's norm, the customer's own terms, channel, order size, brand tier."""
    base = np.array([s.discount for s in CUSTOMER_SEGMENTS])[segment]
    volume = np.minimum(QUANTITY_DISCOUNT_PER_DOUBLING * np.log2(quantity), MAX_QUANTITY_DISCOUNT)
    discount = (
        base
        + market.customers.discount_offset[customer]
        + np.array(CHANNEL_DISCOUNT)[channel]
        + volume
        + market.tier_discount[sku]
        + rng.normal(0.0, LINE_DISCOUNT_SD, len(sku))
    )
    return np.clip(discount, 0.0, MAX_DISCOUNT)


def _regional_factor(market: Market, region: np.ndarray, sku: np.ndarray) -> np.ndarray:
    """The planted regional price error for each line (1 where there is none)."""
    keys = market.regional_keys
    if len(keys) == 0:
        return np.ones(len(sku))
    n_skus = len(market.list_price)
    line_keys = region.astype(np.int64) * n_skus + sku
    at = np.minimum(np.searchsorted(keys, line_keys), len(keys) - 1)
    return np.where(keys[at] == line_keys, market.regional_factors[at], 1.0)
