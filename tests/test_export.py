"""CSV and Excel exports: numbers stay numbers, text never runs as a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from dashboard.errors import InputError
from dashboard.export import FORMULA_START, to_csv_bytes, to_excel_bytes
from dashboard.filters import FilterState
from dashboard.query.explorer import export_rows
from dashboard.reviews.actions import ACCEPTED, REPRICE
from dashboard.reviews.export_rows import with_decisions
from dashboard.reviews.model import Decision
from testkit.synthetic_run import synthetic_run


def hostile_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": [
                '=HYPERLINK("http://x")',
                "-1+1",
                "+SUM(A1)",
                "@cmd",
                "\tTab",
                "\rCR",
                "plain",
            ],
            "brand": pd.Categorical(["=evil", "Avon", "Avon", "-x", "ok", "ok", "ok"]),
            "actual": [-5.5, 0.0, 12.25, -1.0, np.nan, 1e9, 3.0],
            "units": [1, -2, 3, 4, 5, 6, 7],
            "flagged": [True, False, True, False, True, False, True],
            "=formula header": ["a", "b", "c", "d", "e", "f", None],
        }
    )


def read_excel(data: bytes) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_excel_escapes_text_and_keeps_numbers_and_booleans() -> None:
    rows = read_excel(to_excel_bytes(hostile_frame()))
    header, first, second = rows[0], rows[1], rows[2]
    assert header == ["item_id", "brand", "actual", "units", "flagged", "'=formula header"]
    assert first == ['\'=HYPERLINK("http://x")', "'=evil", -5.5, 1, True, "a"]
    assert second == ["'-1+1", "Avon", 0, -2, False, "b"]
    assert [r[0] for r in rows[3:]] == ["'+SUM(A1)", "'@cmd", "'\tTab", "'\rCR", "plain"]
    assert rows[4][1] == "'-x"
    assert rows[5][2] is None  # NaN is an empty cell
    assert rows[7][5] is None
    assert isinstance(rows[6][2], int | float) and rows[6][2] == 1e9


def test_csv_escapes_text_and_keeps_numbers_and_booleans() -> None:
    data = to_csv_bytes(hostile_frame())
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the text as UTF-8
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["item_id", "brand", "actual", "units", "flagged", "'=formula header"]
    assert rows[1][:5] == ['\'=HYPERLINK("http://x")', "'=evil", "-5.5", "1", "True"]
    assert rows[2][:4] == ["'-1+1", "Avon", "0.0", "-2"]
    assert [r[0] for r in rows[3:]] == ["'+SUM(A1)", "'@cmd", "'\tTab", "'\rCR", "plain"]
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["actual"].dtype == np.float64 and back["units"].dtype == np.int64
    assert back["flagged"].dtype == bool


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=8))
def test_no_text_cell_can_start_a_formula(texts: list[str]) -> None:
    frame = pd.DataFrame({"text": texts, "number": np.arange(len(texts)) - 3})
    cells = [row[0] for row in read_excel(to_excel_bytes(frame))[1:]]
    for original, cell in zip(texts, cells, strict=True):
        cleaned = ILLEGAL_CHARACTERS_RE.sub("", original)
        text = "" if cell is None else str(cell)
        assert not text.startswith(FORMULA_START)
        assert text == ("'" + cleaned if cleaned.startswith(FORMULA_START) else cleaned)
    csv_rows = list(csv.reader(io.StringIO(to_csv_bytes(frame).decode("utf-8-sig"), newline="")))
    for row in csv_rows[1:]:
        assert not row[0].startswith(FORMULA_START)


def test_excel_refuses_more_rows_than_a_sheet_holds() -> None:
    with pytest.raises(InputError, match="Excel holds at most 1,048,575 rows"):
        to_excel_bytes(pd.DataFrame({"x": np.zeros(1_048_576)}))


def test_an_explorer_export_opens_with_its_types() -> None:
    run = synthetic_run(300, seed=2)
    frame = export_rows(run, FilterState(directions=("under",)))
    rows = read_excel(to_excel_bytes(frame))
    assert rows[0][0] == "item_id" and len(rows) == len(frame) + 1
    column = rows[0].index("rim")
    assert all(isinstance(r[column], int) for r in rows[1:])
    region = rows[0].index("region")
    assert {r[region] for r in rows[1:]} <= {"North", "South", "East", "West", "'=Other"}
    assert "'=Other" in {r[region] for r in rows[1:]}


def test_the_explorer_export_carries_each_items_current_decision() -> None:
    run = synthetic_run(300, seed=2)
    frame = export_rows(run, FilterState(directions=("under",)))
    first, second = (str(i) for i in frame["item_id"].head(2))
    when = datetime(2026, 11, 29, 8, 45, tzinfo=UTC)
    common = {"dataset": "demo", "reason_code": "competitor", "note": "", "run_id": run.run_id}
    decisions = {
        first: Decision(
            item_id=first,
            version=2,
            action=REPRICE,
            new_price=99.5,
            status="proposed",
            decided_by="ana",
            decided_at=when,
            **common,
        ),
        second: Decision(
            item_id=second,
            version=1,
            action=ACCEPTED,
            new_price=None,
            decided_by="ana",
            decided_at=when,
            **common,
        ),
    }
    rows = read_excel(to_excel_bytes(with_decisions(frame, decisions)))
    header = rows[0]
    decision, new_price = header.index("decision"), header.index("new_price")
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id[first][decision] == "Reprice" and by_id[first][new_price] == 99.5
    assert by_id[first][header.index("approval")] == "Pending approval"
    assert by_id[second][decision] == "Accepted as is" and by_id[second][new_price] is None
    undecided = [r for r in rows[1:] if r[0] not in decisions]
    assert undecided and all(r[decision] is None and r[new_price] is None for r in undecided)
    text = to_csv_bytes(with_decisions(frame, decisions)).decode("utf-8-sig")
    assert f"{first}," in text and ",Reprice,99.5,Pending approval" in text
