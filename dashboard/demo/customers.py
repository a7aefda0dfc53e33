"""The distributor's customers: one segment and one home region each, and very unequal sizes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.demo.reference import CUSTOMER_SEGMENTS, REGIONS

LINES_PER_CUSTOMER = 250  # over the whole period, on average
MIN_CUSTOMERS, MAX_CUSTOMERS = 50, 20_000
NEGOTIATED_DISCOUNT_SD = 0.025  # each customer's own terms around their segment's norm


@dataclass(frozen=True)
class Customers:
    ids: np.ndarray
    segment: np.ndarray  # index into CUSTOMER_SEGMENTS
    region: np.ndarray  # index into REGIONS
    discount_offset: np.ndarray
    activity_cdf: np.ndarray  # cumulative share of order lines, for drawing who orders

    def __len__(self) -> int:
        return len(self.ids)

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Which customer places each of ``n`` order lines."""
        at = np.searchsorted(self.activity_cdf, rng.random(n) * self.activity_cdf[-1], side="right")
        return np.minimum(at, len(self) - 1)


def build_customers(rng: np.random.Generator, n_transactions: int) -> Customers:
    n = int(np.clip(n_transactions // LINES_PER_CUSTOMER, MIN_CUSTOMERS, MAX_CUSTOMERS))
    segment_share = np.array([s.share for s in CUSTOMER_SEGMENTS])
    segment = rng.choice(len(CUSTOMER_SEGMENTS), size=n, p=segment_share / segment_share.sum())
    region_share = np.array([r.share for r in REGIONS])
    region = rng.choice(len(REGIONS), size=n, p=region_share / region_share.sum())
    activity = np.array([s.activity for s in CUSTOMER_SEGMENTS])[segment]
    activity = activity * rng.lognormal(0.0, 1.0, n)
    numbers = np.char.zfill(np.arange(1, n + 1).astype(str), 5)
    return Customers(
        ids=np.char.add("C-", numbers),
        segment=segment.astype(np.int8),
        region=region.astype(np.int8),
        discount_offset=rng.normal(0.0, NEGOTIATED_DISCOUNT_SD, n),
        activity_cdf=np.cumsum(activity),
    )
