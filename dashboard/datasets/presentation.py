"""How a dataset reads on screen, as the analyst sets it: its prices' currency and its own words
for columns. The Data page and the command line read them here; :class:`ColumnMapping` keeps them
with each version and :mod:`dashboard.run_display` shows them.

Both come from outside (a text field per column, a ``--label COLUMN=WORDS`` flag), so every value
is checked, and every problem is a sentence, all of them at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from dashboard.datasets.mapping import ColumnMapping
from dashboard.display import check_currency, humanize
from dashboard.errors import InputError

#: Long enough for "Money at stake, list price"; short enough for a filter's label and a header.
MAX_LABEL_CHARS = 40


@dataclass(frozen=True)
class Presentation:
    """A dataset's currency (None: the ``PRICESCOPE_CURRENCY`` setting) and column labels."""

    currency: str | None = None
    labels: tuple[tuple[str, str], ...] = ()

    def applied_to(self, mapping: ColumnMapping) -> ColumnMapping:
        return replace(mapping, currency=self.currency, labels=self.labels)


def read_presentation(
    columns: Sequence[str], currency: object, labels: Mapping[str, object]
) -> tuple[Presentation, list[str]]:
    """The currency and labels as given (blank currency: the setting; blank label: none), and a
    sentence for each problem; the presentation keeps only what is valid."""
    problems: list[str] = []
    code: str | None = None
    if currency is not None and str(currency).strip():
        try:
            code = check_currency(currency)
        except InputError as error:
            problems.append(f"Currency: {error}")
    known = set(columns)
    chosen: dict[str, str] = {}
    for column, raw in labels.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if not isinstance(raw, str):
            problems.append(f"The label for the column '{column}' must be text.")
            continue
        words = " ".join(raw.split())
        if column not in known:
            problems.append(f"There is no column '{column}' to name '{words[:MAX_LABEL_CHARS]}'.")
        elif len(words) > MAX_LABEL_CHARS:
            problems.append(
                f"The label for the column '{column}' has {len(words)} characters; keep it to "
                f"{MAX_LABEL_CHARS}."
            )
        else:
            chosen[column] = words
    problems += _clashes(columns, chosen)
    return Presentation(code, tuple(chosen.items())), problems


def _clashes(columns: Sequence[str], chosen: Mapping[str, str]) -> list[str]:
    """Two columns that would read the same on screen could not be told apart in a filter."""
    readers: dict[str, list[str]] = {}
    for column in columns:
        shown = chosen.get(column) or humanize(column)
        readers.setdefault(shown.casefold(), []).append(column)
    return [
        f"The columns {' and '.join(repr(c) for c in same)} would all read "
        f"'{chosen.get(same[0]) or humanize(same[0])}'; give each its own label."
        for same in readers.values()
        if len(same) > 1 and any(c in chosen for c in same)
    ]


def label_flags(flags: Sequence[str]) -> dict[str, str]:
    """``["brand_tier=Brand tier", …]`` from the command line as ``{column: label}``."""
    labels: dict[str, str] = {}
    for flag in flags:
        column, equals, words = flag.partition("=")
        if not equals or not column.strip() or not words.strip():
            raise InputError(
                f"--label takes COLUMN=WORDS, for example --label 'brand_tier=Brand tier'; "
                f"'{flag[:60]}' is not."
            )
        labels[column.strip()] = words
    return labels
