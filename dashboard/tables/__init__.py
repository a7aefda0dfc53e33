"""Price tables from outside: read and write them by extension, and validate them for scoring.

Every table a user supplies (a CLI file, an upload) passes through here before scoring, so a bad
one is rejected with one clear sentence and nothing half-loaded or half-written.
"""

from dashboard.tables.files import (
    TableFormat,
    check_output_path,
    read_table,
    table_format,
    write_table,
)
from dashboard.tables.proxies import PROXY_CORRELATION, target_proxies
from dashboard.tables.validation import (
    MAX_ROWS,
    MIN_ROWS,
    clean_target,
    clean_volume,
    duplicate_column_names,
    numeric_column,
    require_column,
    validate_price_table,
)

__all__ = [
    "MAX_ROWS",
    "MIN_ROWS",
    "PROXY_CORRELATION",
    "TableFormat",
    "check_output_path",
    "clean_target",
    "clean_volume",
    "duplicate_column_names",
    "numeric_column",
    "read_table",
    "require_column",
    "table_format",
    "target_proxies",
    "validate_price_table",
    "write_table",
]
