"""Scoring: out-of-fold fair prices with calibrated intervals, flags and money at stake."""

from dashboard.scoring.config import DEFAULT_FLAG_THRESHOLD, ScoringConfig
from dashboard.scoring.intervals import DEFAULT_INTERVAL_METHOD, INTERVAL_METHODS
from dashboard.scoring.items import ITEM_COLUMNS, SCORE_COLUMNS
from dashboard.scoring.model import DEFAULT_MODEL, MODEL_CANDIDATES
from dashboard.scoring.score import FoldModels, ScoringResult, score_table

__all__ = [
    "DEFAULT_FLAG_THRESHOLD",
    "DEFAULT_INTERVAL_METHOD",
    "DEFAULT_MODEL",
    "INTERVAL_METHODS",
    "ITEM_COLUMNS",
    "MODEL_CANDIDATES",
    "SCORE_COLUMNS",
    "FoldModels",
    "ScoringConfig",
    "ScoringResult",
    "score_table",
]
