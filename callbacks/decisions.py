"""Decisions page callbacks: the CSV and Excel downloads of every decision (reading only; every
role may export), Approve / Reject of the pending repricings, and the price-change file.

Approving and the price-change file check the caller's role here, whatever the page showed; that
nobody approves their own reprice (unless an admin) is checked by the store, per item.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from dash import Dash, Input, Output, State, ctx, dcc, no_update, set_props

from dashboard.auth import Role, RoleRefusedError, require_role
from dashboard.datasets.store import check_slug
from dashboard.db.health import NOT_SAVED, DatabaseUnavailableError
from dashboard.errors import InputError
from dashboard.export import to_csv_bytes, to_excel_bytes
from dashboard.ids import Decisions
from dashboard.reviews.actions import APPROVED, REJECTED
from dashboard.reviews.approval import parse_verdict
from dashboard.reviews.model import parse_targets, targets_of_rows
from dashboard.reviews.price_changes import (
    file_name,
    parse_effective_date,
    price_change_bytes,
    price_change_frame,
)
from dashboard.reviews.read_only import current_decisions
from dashboard.reviews.summary import decisions_frame
from dashboard.runs import Run
from dashboard.services import Services
from layouts.decisions import page_content
from layouts.decisions_approval import last_export_text, verdict_feedback
from layouts.explorer_review import feedback

logger = logging.getLogger(__name__)

EXPORT_TYPES = {Decisions.EXPORT_CSV: "csv", Decisions.EXPORT_XLSX: "xlsx"}
PRICE_CHANGE_TYPES = {Decisions.PRICE_CHANGE_CSV: "csv", Decisions.PRICE_CHANGE_XLSX: "xlsx"}
VERDICT_BUTTONS = {Decisions.APPROVE: APPROVED, Decisions.REJECT: REJECTED}


def register(app: Dash, services: Services) -> None:
    _register_export(app, services)
    _register_verdicts(app, services)
    _register_price_changes(app, services)


def _scope(services: Services, dataset: object, run_id: object) -> tuple[str, Run | None]:
    """The page's dataset and run, as its stores hold them (any client may send anything)."""
    slug = check_slug(dataset)
    if run_id is None:
        return slug, None
    if not isinstance(run_id, str):
        raise InputError("This page lost track of its run; reload it.")
    run = services.runs.load(run_id)
    if run.info.dataset != slug:
        raise InputError("This page's run and dataset disagree; reload it.")
    return slug, run


def _register_export(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Decisions.DOWNLOAD, "data"),
        Input(Decisions.EXPORT_CSV, "n_clicks"),
        Input(Decisions.EXPORT_XLSX, "n_clicks"),
        State(Decisions.DATASET, "data"),
        State(Decisions.RUN, "data"),
        prevent_initial_call=True,
    )
    def export(csv_clicks: object, xlsx_clicks: object, dataset: object, run_id: object) -> Any:
        kind = EXPORT_TYPES.get(ctx.triggered_id)
        if kind is None:
            return no_update
        reviewing = services.reviewing
        try:
            slug, run = _scope(services, dataset, run_id)
        except InputError as error:
            logger.info("decisions export refused: %s", error)
            return no_update
        current = current_decisions(reviewing.decisions, reviewing.health, slug)
        if current is None:
            return no_update  # the page's banner says why; a file without the decisions is none
        frame = decisions_frame(current.values(), run)
        payload = to_csv_bytes(frame) if kind == "csv" else to_excel_bytes(frame)
        return dcc.send_bytes(payload, f"pricescope-decisions-{slug}.{kind}")


def _register_verdicts(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Decisions.CONTENT, "children"),
        Input(Decisions.APPROVE, "n_clicks"),
        Input(Decisions.REJECT, "n_clicks"),
        State(Decisions.PENDING, "selectedRows"),
        State(Decisions.VERDICT_NOTE, "value"),
        State(Decisions.DATASET, "data"),
        State(Decisions.RUN, "data"),
        prevent_initial_call=True,
    )
    def give_verdict(
        approve: object, reject: object, rows: object, note: object, dataset: object, run_id: object
    ) -> Any:
        verdict = VERDICT_BUTTONS.get(ctx.triggered_id)
        if verdict is None or not (approve or reject):
            return no_update
        try:
            identity = require_role(services.settings.sign_in_required, Role.ANALYST)
        except RoleRefusedError as refusal:
            logger.warning("verdict refused: %s", refusal)
            return [feedback(0, [], str(refusal))]
        try:
            slug, run = _scope(services, dataset, run_id)
            chosen, said = parse_verdict(verdict, note)
            targets = parse_targets(targets_of_rows(rows, "version"))
            with services.reviewing.health.guard("approve or reject reprices"):
                result = services.reviewing.decisions.give_verdict(
                    targets,
                    chosen,
                    dataset=slug,
                    user=identity.name,
                    is_admin=identity.can(Role.ADMIN),
                    note=said,
                )
        except InputError as error:
            return [verdict_feedback(0, verdict, [], str(error))]
        except DatabaseUnavailableError:
            # The page, the ticked rows and the note stay as they are; only the sentence is added.
            set_props(Decisions.VERDICT_FEEDBACK, {"children": feedback(0, [], NOT_SAVED)})
            return no_update
        refused = [*result.refused, *(c.message for c in result.conflicts)]
        message = verdict_feedback(len(result.done), chosen, refused)
        return page_content(services, slug, run, identity, message)


def _register_price_changes(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Decisions.PRICE_CHANGE_DOWNLOAD, "data"),
        Output(Decisions.PRICE_CHANGE_FEEDBACK, "children"),
        Output(Decisions.LAST_EXPORT, "children"),
        Input(Decisions.PRICE_CHANGE_CSV, "n_clicks"),
        Input(Decisions.PRICE_CHANGE_XLSX, "n_clicks"),
        State(Decisions.EFFECTIVE_DATE, "value"),
        State(Decisions.DATASET, "data"),
        State(Decisions.RUN, "data"),
        prevent_initial_call=True,
    )
    def export_price_changes(
        csv_clicks: object, xlsx_clicks: object, effective: object, dataset: object, run_id: object
    ) -> tuple[Any, Any, Any]:
        kind = PRICE_CHANGE_TYPES.get(ctx.triggered_id)
        if kind is None or not (csv_clicks or xlsx_clicks):
            return no_update, no_update, no_update
        reviewing = services.reviewing
        try:
            identity = require_role(services.settings.sign_in_required, Role.ANALYST)
            slug, run = _scope(services, dataset, run_id)
            when = parse_effective_date(effective, datetime.now(UTC).date())
        except (RoleRefusedError, InputError) as error:
            return no_update, feedback(0, [], str(error)), no_update
        try:
            # The file is handed over only once the export is on record (who, when, how many).
            with reviewing.health.guard("export price changes"):
                current = reviewing.decisions.decisions(slug)
                frame = price_change_frame(current.values(), run, when)
                if frame.empty:
                    message = "No approved price changes to export yet."
                    return no_update, feedback(0, [], message), no_update
                payload = price_change_bytes(frame, kind)
                record = reviewing.exports.record(
                    dataset=slug,
                    run_id=run.run_id if run is not None else None,
                    user=identity.name,
                    kind=kind,
                    rows=len(frame),
                    effective=when,
                )
        except DatabaseUnavailableError:
            return no_update, feedback(0, [], NOT_SAVED), no_update
        logger.info(
            "%s exported %d price change(s) of %s as %s", identity.name, len(frame), slug, kind
        )
        return dcc.send_bytes(payload, file_name(slug, when, kind)), None, last_export_text(record)
