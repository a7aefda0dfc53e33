"""What a scoring job is asked to do: the column roles and the statistical settings."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from dashboard.errors import InputError
from dashboard.scoring.intervals import DEFAULT_INTERVAL_METHOD, INTERVAL_METHODS
from dashboard.scoring.model import DEFAULT_MODEL, MODEL_CANDIDATES
from dashboard.tables import validate_price_table

#: Flag an item once it lies this far outside its interval, in interval widths (log scale): half a
#: width beyond the edge. With a 90 % interval and normal errors that is 3.3 sigma from the fair
#: price. Measured with bench/detection.py (false flags on clean items / recall of items ≥ 15 %
#: off): 50k demo seed 7: 0.08 % / 0.945, seed 11: 0.08 % / 0.931; 20k demo: 0.46 % / 0.955.
#: 0.35 did better on recall at 50k (0.98) but gave 1.04 % false flags at 20k, where errors of
#: whole held-out product lines make the tails heavier; real tables are heavier-tailed still.
DEFAULT_FLAG_THRESHOLD = 0.5

MAX_FOLDS = 20


@dataclass(frozen=True)
class ScoringConfig:
    """Column roles and settings for one scoring job.

    ``model`` and ``interval_method`` name the measured alternatives (see ``MODEL_CANDIDATES`` and
    ``INTERVAL_METHODS``); the defaults are the ones that measured best on the demo catalogue.
    Invalid settings raise :class:`InputError`, because they usually come from a person (CLI flags).
    """

    target: str
    id_col: str | None = None
    volume_col: str | None = None
    group_col: str | None = None
    n_folds: int = 5
    coverage: float = 0.90
    flag_threshold: float = DEFAULT_FLAG_THRESHOLD
    seed: int = 0
    model: str = DEFAULT_MODEL
    interval_method: str = DEFAULT_INTERVAL_METHOD

    def __post_init__(self) -> None:
        if isinstance(self.n_folds, bool) or not isinstance(self.n_folds, int):
            raise InputError(f"The number of folds must be a whole number, not {self.n_folds!r}.")
        if not 2 <= self.n_folds <= MAX_FOLDS:
            raise InputError(
                f"The number of folds must be between 2 and {MAX_FOLDS}, not {self.n_folds}."
            )
        if not (isinstance(self.coverage, int | float) and 0.5 <= self.coverage < 1.0):
            raise InputError(
                f"The interval coverage must be at least 0.5 and below 1 (e.g. 0.9), not {self.coverage!r}."
            )
        threshold = self.flag_threshold
        if not (isinstance(threshold, int | float) and math.isfinite(threshold) and threshold > 0):
            raise InputError(
                f"The flag threshold must be a positive number of interval widths, not {threshold!r}."
            )
        if self.model not in MODEL_CANDIDATES:
            raise InputError(
                f"Unknown model {self.model!r}; choose one of {', '.join(MODEL_CANDIDATES)}."
            )
        if self.interval_method not in INTERVAL_METHODS:
            raise InputError(
                f"Unknown interval method {self.interval_method!r}; "
                f"choose one of {', '.join(INTERVAL_METHODS)}."
            )

    def check_table(self, table: pd.DataFrame) -> None:
        """InputError (one sentence) if ``table`` cannot be scored with these column roles."""
        validate_price_table(
            table,
            target=self.target,
            id_col=self.id_col,
            volume_col=self.volume_col,
            group_col=self.group_col,
        )
