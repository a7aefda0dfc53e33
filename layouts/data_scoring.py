"""How the Data page's last scoring job ended: the run it made (Open in Explorer, Make current),
why it failed or was cancelled, or that it was interrupted, with Retry."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.ids import Data
from dashboard.jobs import JobRecord
from dashboard.jobs.records import CACHED, CANCELLED, DONE, INTERRUPTED
from dashboard.run_choice import run_address
from layouts.data_upload import refusal
from layouts.jobs_outcome import interruption, retry_button
from layouts.shell import make_current_button


def scoring_outcome(record: JobRecord | None, refused: str | None = None) -> Component | None:
    """How this page's last scoring job ended, or nothing while it runs."""
    if refused is not None:
        return refusal(refused)
    if record is None or record.active:
        return None
    if record.status in {DONE, CACHED} and record.run_id is not None:
        return dbc.Alert(
            [
                html.Strong("Scored: "),
                f"{record.scope_label.removeprefix('Score ')}. ",
                dcc.Link(
                    "Open in Explorer",
                    href=run_address("/explorer", record.run_id),
                    className="alert-link",
                ),
                " · ",
                # Published, not current: everyone else sees it once someone decides.
                make_current_button(record.run_id, class_name="ms-1"),
            ],
            color="success",
            className="mb-0",
        )
    if record.status == INTERRUPTED:
        return dbc.Alert(
            [
                html.Strong("Scoring interrupted: "),
                interruption(record),
                " The previous run stays current.",
                retry_button(Data.RETRY, record.job_id),
            ],
            color="warning",
            className="mb-0",
        )
    title = "Cancelled: " if record.status == CANCELLED else "Scoring failed: "
    return dbc.Alert(
        [
            html.Strong(title),
            record.error or "no reason was recorded.",
            " The previous run stays current.",
        ],
        color="warning" if record.status == CANCELLED else "danger",
        className="mb-0",
    )
