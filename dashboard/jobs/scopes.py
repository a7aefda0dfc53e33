"""What an analyst asks a recompute for: a period and optional region / segment / channel lists.

A :class:`ScopeRequest` is parsed from untrusted input (a callback, a form) with clear errors, then
resolved against the data's last day into a concrete :class:`TransactionScope`. The *scope key*
hashes the resolved scope with the data version, so "last 12 months" and the same explicit date
range share one cached run, and new data never answers from an old run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from dashboard.aggregation import TransactionScope
from dashboard.errors import InputError

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
RECOMPUTE_VERSION = "1"
_MAX_VALUES = 50


@dataclass(frozen=True)
class ScopeRequest:
    period: str = "12m"
    start: date | None = None
    end: date | None = None
    regions: tuple[str, ...] = ()
    customer_segments: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "period": self.period,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "regions": list(self.regions),
            "customer_segments": list(self.customer_segments),
            "channels": list(self.channels),
        }


def parse_scope(raw: object, *, choices: Mapping[str, Sequence[str]]) -> ScopeRequest:
    """A scope from untrusted input; ``choices`` holds the allowed values per list column.

    Raises :class:`InputError` with one sentence for anything unusable.
    """
    if not isinstance(raw, Mapping):
        raise InputError("The scope must be an object with a period and optional filters.")
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
    return ScopeRequest(
        period=str(period),
        start=start,
        end=end,
        regions=_values(raw.get("regions"), "region", choices.get("region", ())),
        customer_segments=_values(
            raw.get("customer_segments"), "customer segment", choices.get("customer_segment", ())
        ),
        channels=_values(raw.get("channels"), "channel", choices.get("channel", ())),
    )


def _date(value: object, what: str) -> date:
    if value is None or value == "":
        raise InputError(f"Choose a {what} for the date range.")
    if not isinstance(value, str):
        raise InputError(f"The {what} must be a date (YYYY-MM-DD), not {_shown(value)}.")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise InputError(f"The {what} {_shown(value)} is not a date (YYYY-MM-DD).") from None


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
    return TransactionScope(
        start=start,
        end=end,
        regions=request.regions,
        customer_segments=request.customer_segments,
        channels=request.channels,
    )


def scope_key(scope: TransactionScope, data_version: str) -> str:
    """A short stable hash of the resolved scope and the data version (names locks and caches)."""
    payload = json.dumps(
        {
            "start": scope.start.isoformat() if scope.start else None,
            "end": scope.end.isoformat() if scope.end else None,
            "regions": list(scope.regions),
            "customer_segments": list(scope.customer_segments),
            "channels": list(scope.channels),
            "data_version": data_version,
            "recompute_version": RECOMPUTE_VERSION,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def describe(request: ScopeRequest, scope: TransactionScope) -> str:
    """A short human label, e.g. "last 6 months (2025-07-01 – 2025-12-31) · France, Iberia"."""
    dates = f"{scope.start} – {scope.end}"
    period = dates if request.period == "range" else f"{PERIOD_LABELS[request.period]} ({dates})"
    parts = [period]
    for values in (scope.regions, scope.customer_segments, scope.channels):
        if values:
            parts.append(", ".join(values))
    return " · ".join(parts)


def scope_manifest(request: ScopeRequest, scope: TransactionScope, key: str) -> dict[str, object]:
    """What a recomputed run records about its scope (``run.json`` → ``scope``)."""
    return {
        "key": key,
        "request": request.to_json(),
        "start": scope.start.isoformat() if scope.start else None,
        "end": scope.end.isoformat() if scope.end else None,
        "regions": list(scope.regions),
        "customer_segments": list(scope.customer_segments),
        "channels": list(scope.channels),
        "label": describe(request, scope),
    }
