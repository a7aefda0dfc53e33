"""Assign items to cross-validation folds without looking at prices.

Folds come from a seeded hash of each item's key (its id, or its row number), or of its group when
related items must stay together. Because prices play no part, changing one item's price cannot
move any item to another fold, so an item's out-of-fold fair price stays exactly the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.errors import InputError


def assign_folds(
    keys: pd.Series,
    n_folds: int,
    *,
    seed: int,
    groups: pd.Series | None = None,
) -> np.ndarray:
    """Fold number (0..n_folds-1) for every row.

    Without ``groups``, rows are ordered by the hash of their key and dealt round-robin, so folds
    differ in size by at most one. With ``groups``, whole groups are dealt in hash order, each to
    the fold with the fewest rows so far; a row with a missing group forms a group of its own.
    """
    if groups is None:
        order = np.argsort(_hash(keys, seed), kind="stable")
        folds = np.empty(len(keys), dtype=np.int64)
        folds[order] = np.arange(len(keys)) % n_folds
        return folds
    return _group_folds(keys, groups, n_folds, seed)


def _group_folds(keys: pd.Series, groups: pd.Series, n_folds: int, seed: int) -> np.ndarray:
    labels = _text(groups)
    solo = labels.isna()
    # The NUL prefix keeps a lone row's key from colliding with a real group of the same name.
    labels = labels.where(~solo, "\x00row:" + _text(keys).fillna(""))
    codes, uniques = pd.factorize(labels)
    if len(uniques) < n_folds:
        raise InputError(
            f"The group column has {len(uniques)} distinct groups; {n_folds} folds need at least "
            f"{n_folds}. Use fewer folds or no group column."
        )
    sizes = np.bincount(codes, minlength=len(uniques))
    order = np.argsort(_hash(pd.Series(uniques), seed), kind="stable")
    group_fold = np.empty(len(uniques), dtype=np.int64)
    load = np.zeros(n_folds, dtype=np.int64)
    for group in order:
        fold = int(np.argmin(load))
        group_fold[group] = fold
        load[fold] += sizes[group]
    return group_fold[codes]


def _text(values: pd.Series) -> pd.Series:
    return (
        values.astype("object")
        .map(lambda value: None if pd.isna(value) else str(value))
        .astype("str")
    )


def _hash(keys: pd.Series, seed: int) -> np.ndarray:
    """A stable 64-bit hash of each key, salted by the seed (same on every machine and run)."""
    salt = f"{seed % 10**16:016d}"
    text = _text(keys.reset_index(drop=True)).fillna("")
    return pd.util.hash_pandas_object(text, index=False, hash_key=salt).to_numpy()
