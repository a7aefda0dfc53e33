"""The Outlier Explorer's filter state: what the analyst is looking at, validated, in the URL.

Typical use in a callback::

    categories = segment_categories(run)                      # dashboard.query.explorer
    parsed = from_url_hash(url_hash, run.info, categories)    # or parse_filter_state(raw, ...)
    state, problems = parsed.state, parsed.problems           # problems: sentences to show
    ...
    new_hash = "#" + to_url_hash(state)
"""

from dashboard.filters.chips import Chip, chips, clear_all, remove_chip
from dashboard.filters.key import FilterKey, filter_key
from dashboard.filters.link import state_key, to_url_hash
from dashboard.filters.parse import (
    MAX_LASSO_POINTS,
    MAX_SEGMENT_VALUES,
    MAX_SELECTIONS,
    MAX_URL_HASH_CHARS,
    ParsedFilters,
    parse_filter_state,
)
from dashboard.filters.plotly_events import region_from_plotly, state_to_raw
from dashboard.filters.state import (
    DEFAULT_TABLE_SORT,
    DIRECTION_LABELS,
    DIRECTIONS,
    HEATMAP_METRICS,
    MISSING,
    BarSelection,
    CellSelection,
    ColumnCondition,
    FilterState,
    RegionSelection,
    Selection,
    SelectionSource,
    TableFilter,
)
from dashboard.filters.table_model import (
    filter_model_of,
    parse_filter_model,
    parse_sort_model,
    sort_model_of,
    table_columns,
)
from dashboard.filters.url import from_url_hash

__all__ = [
    "DEFAULT_TABLE_SORT",
    "DIRECTIONS",
    "DIRECTION_LABELS",
    "HEATMAP_METRICS",
    "MAX_LASSO_POINTS",
    "MAX_SEGMENT_VALUES",
    "MAX_SELECTIONS",
    "MAX_URL_HASH_CHARS",
    "MISSING",
    "BarSelection",
    "CellSelection",
    "Chip",
    "ColumnCondition",
    "FilterKey",
    "FilterState",
    "ParsedFilters",
    "RegionSelection",
    "Selection",
    "SelectionSource",
    "TableFilter",
    "chips",
    "clear_all",
    "filter_key",
    "filter_model_of",
    "from_url_hash",
    "parse_filter_model",
    "parse_filter_state",
    "parse_sort_model",
    "region_from_plotly",
    "remove_chip",
    "sort_model_of",
    "state_key",
    "state_to_raw",
    "table_columns",
    "to_url_hash",
]
