"""Every component id in the app, per page: the one place both layouts and callbacks read them."""

from __future__ import annotations

from enum import StrEnum


class Shell(StrEnum):
    NAVBAR = "shell-navbar"
    RUN_BADGE = "shell-run-badge"
    # The run badge is a switcher: runs grouped by dataset; choosing one *views* it (``?run=``).
    RUN_SWITCHER = "shell-run-switcher"
    SWITCH_RUN = "shell-switch-run"
    # Set by a page that changed the current run (a finished job, "Make current"): the badge follows.
    RUN_CHANGED = "shell-run-changed"
    USER_MENU = "shell-user-menu"
    NAV_LINK = "shell-nav-link"  # pattern-matching type: {"type": NAV_LINK, "page": <module>}
    # Any button {"type": MAKE_CURRENT, "run": <id>}, on any page, asks the shell's confirmation.
    MAKE_CURRENT = "shell-make-current"
    CONFIRM = "shell-confirm"
    CONFIRM_TEXT = "shell-confirm-text"
    CONFIRM_RUN = "shell-confirm-run"
    CONFIRM_YES = "shell-confirm-yes"
    CONFIRM_NO = "shell-confirm-no"
    CONFIRM_NOTE = "shell-confirm-note"
    # The shell's watch: the current run id the page knows, the "new current run" banner, the
    # jobs already announced to this browser, and the finished-job notifications.
    WATCH = "shell-watch"
    KNOWN_CURRENT = "shell-known-current"
    NEW_CURRENT = "shell-new-current"
    ANNOUNCED = "shell-announced"
    TOASTS = "shell-toasts"
    # The banner naming the current run that cannot be read and the run shown instead.
    RUN_FALLBACK = "shell-run-fallback"
    # The read-only banner while the database cannot be reached, its own quicker watch, and what
    # the page last heard ("up" / "down"): the Explorer's review panel redraws when it changes.
    DATABASE_BANNER = "shell-database-banner"
    DATABASE_WATCH = "shell-database-watch"
    DATABASE_STATE = "shell-database-state"


class Overview(StrEnum):
    RUN_SUMMARY = "overview-run-summary"
    NO_RUN = "overview-no-run"
    KPI_ITEMS = "overview-kpi-items"
    KPI_FLAGGED_UNDER = "overview-kpi-flagged-under"
    KPI_FLAGGED_OVER = "overview-kpi-flagged-over"
    KPI_AT_STAKE_UNDER = "overview-kpi-at-stake-under"
    KPI_AT_STAKE_OVER = "overview-kpi-at-stake-over"
    SEGMENT_COLUMN = "overview-segment-column"
    SEGMENT_CHART = "overview-segment-chart"
    SCORE_CHART = "overview-score-chart"
    TOP_TABLE = "overview-top-table"
    RUN_ID = "overview-run-id"
    # Where a click on a bar or a top item goes (the Explorer), and what the run says about itself.
    GO = "overview-go"
    KPI_REVIEWED = "overview-kpi-reviewed"
    MODEL_BUTTON = "overview-model-button"
    MODEL_POPOVER = "overview-model-popover"
    WARNINGS = "overview-warnings"


class Explorer(StrEnum):
    URL = "explorer-url"
    RUN_ID = "explorer-run-id"
    # The canonical URL hash of the whole view, split by what each consumer needs, so that a change
    # to the table's order does not redraw the charts and opening an item redraws neither.
    CHART_STATE = "explorer-chart-state"
    TABLE_STATE = "explorer-table-state"
    ITEM_STATE = "explorer-item-state"
    PROBLEMS = "explorer-problems"
    CHIPS = "explorer-chips"
    CHIP = "explorer-chip"  # pattern-matching type: {"type": CHIP, "key": <chip key>}
    CLEAR_ALL = "explorer-clear-all"
    SEARCH = "explorer-search"
    DIRECTIONS = "explorer-directions"
    FLAGGED_ONLY = "explorer-flagged-only"
    MIN_SCORE = "explorer-min-score"
    MAX_SCORE = "explorer-max-score"
    MIN_AT_STAKE = "explorer-min-at-stake"
    PRICE_MIN = "explorer-price-min"
    PRICE_MAX = "explorer-price-max"
    SEGMENT = "explorer-segment"  # pattern-matching type: {"type": SEGMENT, "column": <name>}
    KPIS = "explorer-kpis"
    SCATTER = "explorer-scatter"
    SCORES = "explorer-scores"
    HEATMAP = "explorer-heatmap"
    HEATMAP_X = "explorer-heatmap-x"
    HEATMAP_Y = "explorer-heatmap-y"
    HEATMAP_METRIC = "explorer-heatmap-metric"
    BARS = "explorer-bars"
    TABLE = "explorer-table"
    TABLE_COUNT = "explorer-table-count"
    EXPORT_CSV = "explorer-export-csv"
    EXPORT_XLSX = "explorer-export-xlsx"
    DOWNLOAD = "explorer-download"
    DETAIL = "explorer-detail"
    DETAIL_BODY = "explorer-detail-body"
    COPY_LINK = "explorer-copy-link"
    DECISION_FILTER = "explorer-decision-filter"
    FILTER_FEEDBACK = "explorer-filter-feedback"  # pattern: {"type": ..., "field": <field>}
    COLUMN_CHOICE = "explorer-column-choice"  # the browser's remembered column choice
    COLUMN_CHOOSER = "explorer-column-chooser"
    COLUMN_POPOVER = "explorer-column-popover"
    COLUMN_LIST = "explorer-column-list"


class Reviews(StrEnum):
    """The review controls inside the Explorer. Form fields are dicts ``{"type": <one of these>,
    "scope": "table" | "item"}``: the table toolbar reviews the selected rows, the detail panel
    the open item."""

    FORM = "review-form"
    ACTION = "review-action"
    NEW_PRICE = "review-new-price"
    REASON = "review-reason"
    NOTE = "review-note"
    SAVE = "review-save"
    FEEDBACK = "review-feedback"
    SELECTED_COUNT = "review-selected-count"
    ITEM_PANEL = "review-item-panel"
    ITEM_TARGET = "review-item-target"  # {item_id: version} of the open item
    VERSION = "review-version"  # the decisions version after this page's last save
    GRID_REFRESH = "review-grid-refresh"
    CONFIRM = "review-confirm"  # "confirm this price": shown when a new price is extreme
    CONFIRM_BOX = "review-confirm-box"


class Decisions(StrEnum):
    PAGE = "decisions-page"
    KPIS = "decisions-kpis"
    TABLE = "decisions-table"
    REPRICINGS = "decisions-repricings"
    HISTORY = "decisions-history"
    EXPORT_CSV = "decisions-export-csv"
    EXPORT_XLSX = "decisions-export-xlsx"
    DOWNLOAD = "decisions-download"
    EMPTY = "decisions-empty"
    SCOPE = "decisions-scope"
    DATASETS = "decisions-datasets"
    DATASET = "decisions-dataset"
    RUN = "decisions-run"  # the run the page counts against
    CONTENT = "decisions-content"
    OTHER_RUNS = "decisions-other-runs"
    PENDING = "decisions-pending"
    APPROVE = "decisions-approve"
    REJECT = "decisions-reject"
    VERDICT_NOTE = "decisions-verdict-note"
    VERDICT_FEEDBACK = "decisions-verdict-feedback"
    PRICE_CHANGES = "decisions-price-changes"
    EFFECTIVE_DATE = "decisions-effective-date"
    PRICE_CHANGE_CSV = "decisions-price-change-csv"
    PRICE_CHANGE_XLSX = "decisions-price-change-xlsx"
    PRICE_CHANGE_DOWNLOAD = "decisions-price-change-download"
    PRICE_CHANGE_FEEDBACK = "decisions-price-change-feedback"
    LAST_EXPORT = "decisions-last-export"


class Jobs(StrEnum):
    PERIOD = "jobs-period"
    DATES = "jobs-dates"
    DATASET = "jobs-dataset"  # which dataset's transactions a recompute re-aggregates
    FILTERS = "jobs-filters"  # holds one dropdown per scope column of the chosen dataset
    FILTER = "jobs-filter"  # pattern-matching type: {"type": …, "column": <scope column>}
    RECOMPUTE = "jobs-recompute"
    CANCEL = "jobs-cancel"
    SCOPE_ERROR = "jobs-scope-error"
    REQUEST = "jobs-request"  # store: {"job_id", "ticket"} of the job this page queued last
    RESULT = "jobs-result"  # store: the final snapshot the background callback returned
    PROGRESS = "jobs-progress"
    STAGE = "jobs-stage"
    TIMING = "jobs-timing"
    OUTCOME = "jobs-outcome"
    NOTE = "jobs-note"
    TICK = "jobs-tick"
    RUNS = "jobs-runs"
    RUNS_SIGNATURE = "jobs-runs-signature"
    JOBS_TABLE = "jobs-table"
    RERUN = "jobs-rerun"  # pattern-matching type: {"type": …, "job": <job id>}
    STOP = "jobs-stop"  # pattern-matching type: {"type": …, "job": <job id>}
    RETRY = "jobs-retry"  # the interrupted job's Retry; pattern-matching: {"type": …, "job": <id>}
    FOLLOWED = "jobs-followed"  # store: {"job_id", "status"} of the analyst's job as drawn
    VIEW_RUN = "jobs-view-run"  # the finished job's run, opened without making it current
    # The finished job's run → confirm; pattern-matching type: {"type": …, "run": <run id>}
    OUTCOME_WARNINGS = "jobs-outcome-warnings"  # the finished job's run's scoring warnings


class Data(StrEnum):
    """The Data page: datasets, upload, preview, mapping, scoring and transactions."""

    DATASETS = "data-datasets"
    NOTE = "data-note"  # what a dataset row's action did, or why it was refused
    GO = "data-go"  # a location: "Open in Explorer" navigates through it
    OPEN = "data-open"  # pattern-matching type: {"type": …, "dataset": <slug>}
    SCORE_LATEST = "data-score-latest"  # pattern-matching type: {"type": …, "dataset": <slug>}
    REFRESH = "data-refresh"  # pattern-matching type: {"type": …, "dataset": <slug>}
    ADD_TRANSACTIONS = "data-add-transactions"  # pattern-matching: {"type": …, "dataset": <slug>}
    TARGET = "data-target"  # store: {"mode": "new" | "refresh" | "transactions", "dataset"}
    TARGET_TEXT = "data-target-text"
    NEW_UPLOAD = "data-new-upload"
    DROP_ZONE = "data-drop-zone"  # carries the upload route and token for assets/data_upload.js
    FILE_SLOT = "data-file-slot"
    FILE_INPUT = "data-file-input"  # made by assets/data_upload.js inside FILE_SLOT
    UPLOAD_PROGRESS = "data-upload-progress"
    UPLOADED = "data-uploaded"  # store: the upload route's JSON answer
    UPLOAD_ERROR = "data-upload-error"
    READING = "data-reading"
    SHEET = "data-sheet"
    SHEET_ROW = "data-sheet-row"
    PREVIEW = "data-preview"
    PREVIEW_GRID = "data-preview-grid"
    MAP_CARD = "data-map-card"
    ROLES = "data-roles"
    ROLES_FOR = "data-roles-for"  # store: the upload whose role dropdowns are drawn
    ROLE = "data-role"  # pattern-matching type: {"type": …, "column": <column position>}
    NAME = "data-name"
    NAME_ROW = "data-name-row"
    CURRENCY = "data-currency"  # the dataset's currency code, pre-filled with the default
    LABEL = "data-label"  # pattern-matching type: {"type": …, "column": <column position>}
    PROBLEMS = "data-problems"
    SCORE = "data-score"
    SCORE_NOTE = "data-score-note"
    REQUEST = "data-request"  # store: {"job_id", "ticket"} of the scoring job this page queued
    RESULT = "data-result"  # store: the final snapshot the background callback returned
    PROGRESS = "data-progress"
    STAGE = "data-stage"
    TIMING = "data-timing"
    CANCEL = "data-cancel"
    CANCEL_NOTE = "data-cancel-note"
    RETRY = "data-retry"  # interrupted scoring's Retry; pattern-matching: {"type": …, "job": <id>}
    OUTCOME = "data-outcome"
    TICK = "data-tick"  # redraws the analyst's scoring job from its record
    FOLLOWED = "data-followed"  # store: {"job_id", "status"} of the scoring job as drawn
    TX_CARD = "data-tx-card"
    TX_ITEM = "data-tx-item"
    TX_DATE = "data-tx-date"
    TX_QUANTITY = "data-tx-quantity"
    TX_PRICE = "data-tx-price"
    TX_SCOPE = "data-tx-scope"
    TX_PROBLEMS = "data-tx-problems"
    TX_SAVE = "data-tx-save"
    TX_NOTE = "data-tx-note"


class NotFound(StrEnum):
    # The page an address that is no page of the app shows, inside the shell.
    PAGE = "not-found-page"
    TO_OVERVIEW = "not-found-to-overview"
    TO_EXPLORER = "not-found-to-explorer"
