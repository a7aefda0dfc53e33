"""Every problem with a table and its mapping, as sentences, before anything runs.

The rules are scoring's own (``dashboard.tables.validation``, ``dashboard.features``), applied
one role at a time so the analyst sees all of them at once rather than the first.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from dashboard.datasets.mapping import ColumnMapping
from dashboard.errors import InputError
from dashboard.features import infer_features
from dashboard.runs import MAX_SEGMENT_VALUES
from dashboard.scoring.given import PredictionColumns, prediction_problems
from dashboard.tables import clean_volume, validate_price_table
from dashboard.tables.validation import check_ids


def mapping_problems(table: pd.DataFrame, mapping: ColumnMapping) -> list[str]:
    """Why ``table`` cannot be scored with ``mapping``: one sentence per problem, none if it can."""
    problems = mapping.problems([str(c) for c in table.columns])
    if problems:
        return problems
    checks: list[Callable[[], object]] = [
        lambda: validate_price_table(table, target=mapping.target)
    ]
    if mapping.id:
        checks.append(lambda: check_ids(table, str(mapping.id)))
    if mapping.volume:
        checks.append(lambda: clean_volume(table, str(mapping.volume)))
    for check in checks:
        try:
            check()
        except InputError as problem:
            problems.append(str(problem))
    if mapping.prediction is not None:
        given = PredictionColumns(mapping.prediction, mapping.lower, mapping.upper)
        problems.extend(prediction_problems(table, given))
    for column in mapping.segments:
        distinct = int(table[column].nunique(dropna=True))
        if distinct > MAX_SEGMENT_VALUES:
            problems.append(
                f"The segment column '{column}' has {distinct:,} distinct values, more than "
                f"the {MAX_SEGMENT_VALUES} a filter can offer; make it a feature instead."
            )
    if mapping.prediction is None and not problems:
        try:
            infer_features(
                table.drop(columns=list(mapping.excluded)),
                target=mapping.target,
                exclude=[c for c in (mapping.id, mapping.volume, mapping.group) if c],
            )
        except InputError as problem:
            problems.append(str(problem))
    return problems
