"""Columns that are near copies of the price: a warning, not a rule.

A column such as ``Min.Price`` next to ``Price`` lets the model predict the price from the price,
so the fair price echoes the actual one and real mispricings go unflagged. It may also be a
legitimate signal (a list price, a competitor's price), so we name such columns and let the user
decide (the CLI's ``--exclude``) instead of silently dropping them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from dashboard.tables.validation import clean_target

#: Above this absolute Pearson correlation a column "tracks the price". Chosen on real tables:
#: Cars93's Min.Price / Max.Price sit at 0.97-0.98, while diamonds' carat (a genuine feature)
#: is 0.92, and no column of Computers or Housing passes 0.65.
PROXY_CORRELATION = 0.95
_MIN_PAIRS = 10


def target_proxies(
    table: pd.DataFrame,
    target: str,
    *,
    ignore: Iterable[str | None] = (),
    threshold: float = PROXY_CORRELATION,
) -> dict[str, float]:
    """Numeric columns whose correlation with the target is at least ``threshold``, by column.

    The table must already be valid for ``target`` (see ``validate_price_table``). Columns in
    ``ignore`` (the id, volume and group roles) are skipped; so are booleans and text.
    """
    prices = clean_target(table, target).to_numpy()
    skipped = {target, *(name for name in ignore if name is not None)}
    proxies: dict[str, float] = {}
    for name in table.columns:
        column = table[name]
        if str(name) in skipped or not isinstance(column, pd.Series):
            continue
        correlation = _correlation(column, prices)
        if correlation is not None and abs(correlation) >= threshold:
            proxies[str(name)] = correlation
    return proxies


def _correlation(column: pd.Series, prices: np.ndarray) -> float | None:
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        return None
    if pd.api.types.is_complex_dtype(dtype):
        return None
    values = column.to_numpy(dtype="float64", na_value=np.nan)
    both = np.isfinite(values)
    if both.sum() < _MIN_PAIRS:
        return None
    x, y = values[both], prices[both]
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])
