"""What an uploaded file is, from its first bytes rather than its name, and how its text is laid out.

A browser sends whatever name the analyst's file had ("prices.csv" that is really an Excel
workbook, "export" with no extension at all), so the format is read from the content: Parquet
files start with ``PAR1``, an ``.xlsx`` is a zip holding ``xl/workbook.xml``, and anything else
must be text in an encoding we know. Each refusal is one sentence the analyst can act on.
"""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from dashboard.errors import InputError
from dashboard.tables.files import decimal_mark

UploadFormat = Literal["csv", "parquet", "xlsx"]

PARQUET_MAGIC = b"PAR1"
ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) container
_GZIP_MAGIC = b"\x1f\x8b"
_PDF_MAGIC = b"%PDF"
#: Enough text to see the header, a few dozen rows, and any non-UTF-8 byte near the top.
SNIFF_BYTES = 1024 * 1024
_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SNIFF_LINES = 50
# Control characters that never occur in a text table (tab, newline and carriage return do).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class TextLayout:
    """How a text table is written: what the analyst's spreadsheet chose when it saved it."""

    encoding: str  # a Python codec name: utf-8, utf-8-sig, utf-16, cp1252, latin-1
    delimiter: str
    decimal: str  # "." or ","
    thousands: str | None  # "." when the decimal mark is a comma (1.234,50), else None

    def details(self) -> dict[str, str]:
        """For the Data page: what was detected, in words."""
        return {
            "encoding": _ENCODING_LABELS.get(self.encoding, self.encoding),
            "delimiter": self.delimiter,
            "delimiter_name": _DELIMITER_NAMES[self.delimiter],
            "decimal": self.decimal,
            **({"thousands": self.thousands} if self.thousands else {}),
        }


_ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
}


def sniff_format(path: Path) -> UploadFormat:
    """The upload's format from its content; InputError (one sentence) if it is no table we read."""
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if not head:
        raise InputError("The file is empty.")
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path)
    if head.startswith(_OLE_MAGIC):
        raise InputError(
            "This is an old Excel (.xls) or Word file; save it as .xlsx or CSV and upload that."
        )
    if head.startswith(_GZIP_MAGIC):
        raise InputError("This is a compressed (gzip) file; unpack it and upload the table inside.")
    if head.startswith(_PDF_MAGIC):
        raise InputError(
            "This is a PDF document, not a table; upload a CSV, Parquet or .xlsx file."
        )
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")) and _looks_binary(head):
        raise InputError(
            "The file is not a table we can read: it holds binary data, not text, and is neither "
            "Parquet nor .xlsx."
        )
    return "csv"


def _zip_kind(path: Path) -> UploadFormat:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError(
            "The file starts like a zip archive (an .xlsx is one) but is damaged or truncated."
        ) from None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        raise InputError(
            "This is a Word document, not a table; upload a CSV, Parquet or .xlsx file."
        )
    raise InputError(
        "This is a zip archive, not a table; unpack it and upload the CSV, Parquet or .xlsx inside."
    )


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    text = head.decode("latin-1")
    return len(_CONTROL.findall(text)) > max(8, len(text) // 200)


def sniff_text(path: Path) -> TextLayout:
    """Encoding, delimiter and decimal mark of a text table, from its first megabyte."""
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    encoding = _encoding(head)
    text = _decode_head(head, encoding)
    if len(head) == SNIFF_BYTES and not any(mark in text for mark in "\n\r"):
        # Refused before pandas splits a giant first line into millions of column names.
        raise InputError(
            f"The first line is longer than {SNIFF_BYTES // 2**20} MB; that is not the header "
            "row of a table."
        )
    lines = [line for line in text.splitlines()[:_SNIFF_LINES] if line.strip()]
    if not lines:
        raise InputError("The file holds only blank lines; there is no table in it.")
    delimiter = _delimiter(lines)
    decimal = decimal_mark("\n".join(lines[1:]), delimiter)
    return TextLayout(
        encoding=encoding,
        delimiter=delimiter,
        decimal=decimal,
        thousands="." if decimal == "," else None,
    )


def _encoding(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3 and error.reason == "unexpected end of data":
            return "utf-8"
    try:
        head.decode("cp1252")
        return "cp1252"  # what spreadsheets on Windows save as "CSV"
    except UnicodeDecodeError:
        return "latin-1"  # decodes any byte


def _decode_head(head: bytes, encoding: str) -> str:
    return head.decode(encoding, errors="ignore").lstrip("\ufeff")


def _delimiter(lines: list[str]) -> str:
    """The delimiter that splits the header into the most fields, consistently on every line.

    Quotes are respected (``"Smith, John"`` is one field), so a comma inside a quoted name does not
    outvote the semicolons between fields.
    """
    best, best_fields = ",", 1
    for delimiter in _DELIMITERS:
        rows = list(csv.reader(lines, delimiter=delimiter))
        fields = len(rows[0])
        if fields < 2:
            continue
        consistent = sum(1 for row in rows[1:] if len(row) == fields)
        if len(rows) > 1 and consistent < 0.8 * (len(rows) - 1):
            continue
        if fields > best_fields:
            best, best_fields = delimiter, fields
    return best
