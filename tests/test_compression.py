"""What a browser receives: compressed scripts and replies, the same bytes once decoded."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import brotli
import pytest
from flask.testing import FlaskClient

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.display import humanize
from dashboard.ids import Overview
from dashboard.runs import RunStore
from testkit.callback_requests import callback_payload, find_callback
from tests.conftest import SMALL_DEMO


@pytest.fixture(scope="module")
def client(demo_root: Path) -> FlaskClient:
    settings = Settings(data_dir=demo_root, **SMALL_DEMO)  # type: ignore[arg-type]
    return create_app(settings).server.test_client()


def _scripts(client: FlaskClient) -> list[str]:
    page = client.get("/explorer").get_data(as_text=True)
    return re.findall(r'<script src="([^"]+_dash-component-suites[^"]+)"', page)


def test_scripts_come_compressed_with_brotli_and_decode_to_the_file(client: FlaskClient) -> None:
    scripts = _scripts(client)
    renderer = next(s for s in scripts if "dash_renderer" in s)
    plain = client.get(renderer)
    assert "Content-Encoding" not in plain.headers
    assert plain.headers["Cache-Control"] == "max-age=31536000"  # Dash's fingerprinted files

    packed = client.get(renderer, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "br"
    assert packed.headers["Vary"] == "Accept-Encoding"
    assert len(packed.data) < len(plain.data) / 3
    assert brotli.decompress(packed.data) == plain.data
    # A second request gets the same body (kept, not compressed again).
    again = client.get(renderer, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert again.data == packed.data


def test_browsers_without_brotli_get_gzip(client: FlaskClient) -> None:
    plotly = "/_dash-component-suites/plotly/package_data/plotly.min.js"
    plain = client.get(plotly)
    packed = client.get(plotly, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2.5


def test_callback_replies_are_compressed_and_never_served_from_the_cache(
    client: FlaskClient, demo_root: Path
) -> None:
    """Two callback POSTs to the same URL get their own replies, never a kept one."""
    run = RunStore(Settings(data_dir=demo_root, **SMALL_DEMO).runs_dir).load_current()  # type: ignore[arg-type]
    assert run is not None and len(run.info.columns.segments) >= 2
    spec = find_callback(
        json.loads(client.get("/_dash-dependencies").data), output=Overview.SEGMENT_CHART
    )
    figures = []
    for column in run.info.columns.segments[:2]:
        payload = callback_payload(
            spec,
            {f"{Overview.SEGMENT_COLUMN}.value": column, f"{Overview.RUN_ID}.data": run.run_id},
            [f"{Overview.SEGMENT_COLUMN}.value"],
            {},
        )
        reply = client.post(
            "/_dash-update-component", json=payload, headers={"Accept-Encoding": "br"}
        )
        assert reply.status_code == 200 and reply.headers["Content-Encoding"] == "br"
        figure = json.loads(brotli.decompress(reply.data))["response"][Overview.SEGMENT_CHART]
        assert f"Money at stake by {humanize(column)}" in json.dumps(figure)
        figures.append(figure)
    assert figures[0] != figures[1]


def test_the_page_preloads_the_lazy_scripts_that_exist(client: FlaskClient) -> None:
    """Plotly, the graph, grid and dropdown chunks are asked for with the page; each is served."""
    page = client.get("/explorer").get_data(as_text=True)
    preloads = re.findall(r'<link rel="preload" as="script" href="([^"]+)">', page)
    assert any(href.endswith("plotly.min.js") for href in preloads) and len(preloads) == 4
    for href in preloads:
        reply = client.get(href, headers={"Accept-Encoding": "br"})
        assert reply.status_code == 200, href
        assert reply.mimetype in ("application/javascript", "text/javascript")
        assert brotli.decompress(reply.data).strip()
