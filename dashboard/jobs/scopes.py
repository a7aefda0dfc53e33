"""What an analyst asks a recompute for: a dataset, a period and optional values per scope column.

A :class:`ScopeRequest` is parsed from untrusted input (a callback, a form) with clear errors, then
resolved against the data's last day into a concrete :class:`TransactionScope`. The *scope key*
hashes the resolved scope with the dataset and its version, so "last 12 months" and the same
explicit date range share one cached run, and new data never answers from an old run.

The scope columns are the dataset's own (its transactions mapping's ``scope``). Job records
written before datasets carry the demo's ``regions`` / ``customer_segments`` / ``channels`` lists;
those still read, as filters on the demo's columns of those names.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from dashboard.aggregation import TransactionScope
from dashboard.errors import InputError
from dashboard.runs import DEMO_DATASET

#: Period choices offered in the UI: last N months, or an explicit date range.
PERIOD_MONTHS = {"3m": 3, "6m": 6, "12m": 12, "24m": 24}
PERIOD_LABELS = {
    "3m": "last 3 months",
    "6m": "last 6 months",
    "12m": "last 12 months",
    "24m": "last 24 months",
    "range": "date range",
}
#: Bumped when the recompute's output changes meaning, so older cached runs are not reused.
RECOMPUTE_VERSION = "2"
#: The scope lists of job records from before datasets, and the demo column each one filters.
LEGACY_LISTS = {"regions": "region", "customer_segments": "customer_segment", "channels": "channel"}
_MAX_VALUES = 50
Filters = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class ScopeRequest:
    period: str = "12m"
    start: date | None = None
    end: date | None = None
    filters: Filters = ()  # (scope column, chosen values), in the dataset's column order
    dataset: str = DEMO_DATASET

    @property
    def filter_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.filters)

    def to_json(self) -> dict[str, object]:
        return {
            "dataset": self.dataset,
            "period": self.period,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "filters": {column: list(values) for column, values in self.filters},
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, object]) -> ScopeRequest:
        """A request as :meth:`to_json` (or a job record from before datasets) wrote it; trusted."""
        filters = _raw_filters(raw)
        return cls(
            period=str(raw.get("period") or "12m"),
            start=_stored_date(raw.get("start")),
            end=_stored_date(raw.get("end")),
            filters=tuple(
                (str(column), tuple(str(v) for v in values))
                for column, values in filters.items()
                if isinstance(values, list | tuple) and values
            ),
            dataset=str(raw.get("dataset") or DEMO_DATASET),
        )


def scope_dataset(raw: object) -> str:
    """The dataset key a raw scope names (the demo when it names none); InputError if malformed."""
    dataset = raw.get("dataset") if isinstance(raw, Mapping) else None
    if dataset is None or dataset == "":
        return DEMO_DATASET
    if not isinstance(dataset, str):
        raise InputError(f"The dataset must be named by its key, not {_shown(dataset)}.")
    return dataset


def parse_scope(raw: object, *, choices: Mapping[str, Sequence[str]]) -> ScopeRequest:
    """A scope from untrusted input; ``choices`` holds the allowed values per scope column of the
    dataset the scope names. Raises :class:`InputError` with one sentence for anything unusable."""
    if not isinstance(raw, Mapping):
        raise InputError("The scope must be an object with a period and optional filters.")
    dataset = scope_dataset(raw)
    period = raw.get("period") or "12m"
    # Checked for a string before the lookup: a list or an object cannot be looked up (unhashable).
    if not isinstance(period, str) or period not in PERIOD_LABELS:
        raise InputError(
            f"The period must be one of {', '.join(PERIOD_LABELS)}, not {_shown(period)}."
        )
    start = end = None
    if period == "range":
        start = _date(raw.get("start"), "start date")
        end = _date(raw.get("end"), "end date")
        if end < start:
            raise InputError(f"The end date {end} is before the start date {start}.")
    given = _raw_filters(raw)
    unknown = [column for column in given if column not in choices and given[column]]
    if unknown:
        offered = ", ".join(choices) or "none"
        raise InputError(
            f"There is no scope column {_shown(unknown[0])} here; the columns are {offered}."
        )
    filters = tuple(
        (column, chosen)
        for column in choices
        if (chosen := _values(given.get(column), _what(column), choices[column]))
    )
    return ScopeRequest(period=period, start=start, end=end, filters=filters, dataset=dataset)


def _raw_filters(raw: Mapping[str, object]) -> dict[str, object]:
    """Column → raw values, from ``filters`` and from the lists of records before datasets."""
    found: dict[str, object] = {}
    filters = raw.get("filters")
    if isinstance(filters, Mapping):
        found.update({str(k): v for k, v in filters.items()})
    elif filters not in (None, [], {}):
        raise InputError("The filters must be an object of scope columns and their values.")
    for key, column in LEGACY_LISTS.items():
        if raw.get(key) not in (None, []):
            found[column] = raw[key]
    return found


def _what(column: str) -> str:
    """A scope column as a sentence names it: ``customer_segment`` → "customer segment"."""
    return column.replace("_", " ").strip()[:40] or "scope"


def _date(value: object, what: str) -> date:
    if value is None or value == "":
        raise InputError(f"Choose a {what} for the date range.")
    if not isinstance(value, str):
        raise InputError(f"The {what} must be a date (YYYY-MM-DD), not {_shown(value)}.")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise InputError(f"The {what} {_shown(value)} is not a date (YYYY-MM-DD).") from None


def _stored_date(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _values(value: object, what: str, allowed: Sequence[str]) -> tuple[str, ...]:
    if value is None or (isinstance(value, list | tuple) and not value):
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InputError(f"The {what} filter must be a list of names.")
    if len(value) > _MAX_VALUES:
        raise InputError(f"Choose at most {_MAX_VALUES} values for the {what} filter.")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise InputError(f"Unknown {what} {_shown(unknown[0])}; choose from the list.")
    # Sorted and de-duplicated: the same choice in another order is the same scope.
    return tuple(sorted(set(value)))


def _shown(value: object) -> str:
    """A value from outside as a sentence can quote it: short, and never a whole structure."""
    if isinstance(value, str):
        return repr(value[:40])
    if isinstance(value, bool | float) or value is None:
        return repr(value)
    if isinstance(value, int):
        # Python refuses to print an int of thousands of digits; JSON can carry one.
        return repr(value) if value.bit_length() < 64 else "a very large number"
    if isinstance(value, Mapping):
        return "an object"
    return "a list" if isinstance(value, list | tuple) else f"a {type(value).__name__}"


def resolve(request: ScopeRequest, data_end: date) -> TransactionScope:
    """Concrete dates: "last N months" ends on the data's last day and starts on a month's 1st."""
    if request.period == "range":
        start, end = request.start, request.end
    else:
        months = PERIOD_MONTHS[request.period]
        first_month = data_end.year * 12 + (data_end.month - 1) - (months - 1)
        start, end = date(first_month // 12, first_month % 12 + 1, 1), data_end
    return TransactionScope(start=start, end=end, filters=request.filters)


def scope_key(scope: TransactionScope, data_version: str, dataset: str = DEMO_DATASET) -> str:
    """A short stable hash of the resolved scope, the dataset and its data version (names locks
    and caches)."""
    payload = json.dumps(
        {
            "start": scope.start.isoformat() if scope.start else None,
            "end": scope.end.isoformat() if scope.end else None,
            "filters": {column: list(values) for column, values in scope.active_filters},
            "dataset": dataset,
            "data_version": data_version,
            "recompute_version": RECOMPUTE_VERSION,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def describe(
    request: ScopeRequest, scope: TransactionScope, dataset_name: str | None = None
) -> str:
    """A short human label, e.g. "last 6 months (2025-07-01 – 2025-12-31) · region France,
    Iberia", after the dataset's name when it is given. Each filter names its column: a store
    number or a code alone would say nothing."""
    dates = f"{scope.start} – {scope.end}"
    period = dates if request.period == "range" else f"{PERIOD_LABELS[request.period]} ({dates})"
    parts = [dataset_name] if dataset_name else []
    parts.append(period)
    parts.extend(f"{_what(column)} {', '.join(values)}" for column, values in scope.active_filters)
    return " · ".join(parts)


def scope_manifest(
    request: ScopeRequest, scope: TransactionScope, key: str, version: str
) -> dict[str, object]:
    """What a recomputed run records about its scope (``run.json`` → ``scope``)."""
    manifest: dict[str, object] = {
        "key": key,
        "dataset": request.dataset,
        "version": version,
        "request": request.to_json(),
        "start": scope.start.isoformat() if scope.start else None,
        "end": scope.end.isoformat() if scope.end else None,
        "filters": {column: list(values) for column, values in scope.active_filters},
        "label": describe(request, scope),
    }
    if request.dataset == DEMO_DATASET:
        # The demo's runs keep naming their lists as they did before datasets.
        chosen = request.filter_map
        manifest |= {name: list(chosen.get(col, ())) for name, col in LEGACY_LISTS.items()}
    return manifest
