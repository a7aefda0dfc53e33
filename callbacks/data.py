"""Data page callbacks: what the next upload is for, the upload's preview and mapping, the live
problems, and saving transactions. Scoring and the dataset rows' actions are in
``callbacks.data_scoring``.

The upload itself never passes through here: ``assets/data_upload.js`` sends the file to the
upload route and writes the route's JSON answer into a store. Every value read back from the
browser is hostile until checked; every callback that reads or writes an upload checks the
caller's role itself (a viewer's crafted POST gets the sentence that refuses it).
"""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update

import callbacks.data_scoring
from callbacks.data_scoring import writer
from dashboard.datasets import DatasetStore
from dashboard.datasets.intake import (
    Target,
    add_transactions,
    draft_problems,
    guess_transaction_columns,
    labels_of,
    prefilled_roles,
    profiles_of,
    roles_of,
    suggested_name,
    transaction_mapping,
)
from dashboard.datasets.presentation import read_presentation
from dashboard.datasets.store import check_name
from dashboard.datasets.uploads import Upload
from dashboard.datasets.web import upload_area
from dashboard.errors import InputError
from dashboard.ids import Data
from dashboard.services import Services
from layouts.data import datasets_view
from layouts.data_upload import (
    HIDDEN,
    NO_PREVIEW,
    SHOWN,
    preview_view,
    problems_view,
    reading_summary,
    refusal,
    role_rows,
    sheet_names,
    success_note,
)

#: The longest error text from the upload route the page repeats (it is the browser's own store).
MAX_ERROR_CHARS = 400
TX_FIELDS = (Data.TX_ITEM, Data.TX_DATE, Data.TX_QUANTITY, Data.TX_PRICE)


def register(app: Dash, services: Services) -> None:
    _register_target(app, services)
    _register_upload(app, services)
    _register_sheet(app, services)
    _register_mapping(app, services)
    _register_transactions(app, services)
    callbacks.data_scoring.register(app, services)


def uploaded(services: Services, raw: object) -> Upload | str | None:
    """The caller's upload named in the page's store; None when there is none; else the
    sentence that says why it cannot be used."""
    if raw is None:
        return None
    if isinstance(raw, dict) and isinstance(raw.get("error"), str):
        return raw["error"][:MAX_ERROR_CHARS] or "The upload was refused."
    caller = writer(services)
    if isinstance(caller, str):
        return caller
    upload_id = raw.get("upload_id") if isinstance(raw, dict) else None
    try:
        return upload_area(services.settings).get(upload_id, caller.name)
    except InputError as error:
        return str(error)


def _register_target(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Data.TARGET, "data"),
        Input({"type": Data.REFRESH, "dataset": ALL}, "n_clicks"),
        Input({"type": Data.ADD_TRANSACTIONS, "dataset": ALL}, "n_clicks"),
        Input(Data.NEW_UPLOAD, "n_clicks"),
        prevent_initial_call=True,
    )
    def choose_target(refreshes: object, additions: object, new: object) -> Any:
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update  # a re-rendered button, not a click
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict):
            return Target("new").to_json()
        mode = "refresh" if trigger.get("type") == Data.REFRESH else "transactions"
        try:
            return Target.parse({"mode": mode, "dataset": trigger.get("dataset")}).to_json()
        except InputError:
            return no_update

    @app.callback(
        Output(Data.TARGET_TEXT, "children"),
        Output(Data.NEW_UPLOAD, "style"),
        Input(Data.TARGET, "data"),
    )
    def describe_target(raw: object) -> tuple[Any, Any]:
        try:
            target = Target.parse(raw)
            if target.mode == "new":
                return "Upload a new dataset", HIDDEN
            name = DatasetStore(services.settings.datasets_dir).get(str(target.dataset)).name
        except InputError as error:
            return str(error), SHOWN
        if target.mode == "refresh":
            return f"New version of {name}: upload the new file", SHOWN
        return f"Transactions for {name}: upload the order lines", SHOWN


def _register_upload(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Data.UPLOAD_ERROR, "children"),
        Output(Data.READING, "children"),
        Output(Data.SHEET_ROW, "style"),
        Output(Data.SHEET, "options"),
        Output(Data.SHEET, "value"),
        Output(Data.PREVIEW, "children"),
        Output(Data.MAP_CARD, "style"),
        Output(Data.ROLES, "children"),
        Output(Data.NAME_ROW, "style"),
        Output(Data.NAME, "value"),
        Output(Data.CURRENCY, "value"),
        Output(Data.ROLES_FOR, "data"),
        Input(Data.UPLOADED, "data"),
        Input(Data.TARGET, "data"),
    )
    def show_upload(raw: object, raw_target: object) -> tuple[Any, ...]:
        upload = uploaded(services, raw)
        empty: tuple[Any, ...] = (
            None,
            HIDDEN,
            [],
            None,
            NO_PREVIEW,
            HIDDEN,
            None,
            SHOWN,
            no_update,
            no_update,
            None,
        )
        if upload is None:
            return (None, *empty)
        if isinstance(upload, str):
            return (refusal(upload), *empty)
        try:
            target = Target.parse(raw_target)
            previous = None
            if target.mode == "refresh":
                info = DatasetStore(services.settings.datasets_dir).get(str(target.dataset))
                previous = info.latest.mapping if info.latest else None
        except InputError as error:
            return (refusal(str(error)), *empty)
        area = upload_area(services.settings)
        profiles = profiles_of(area, upload)
        sheets = sheet_names(upload)
        return (
            None,
            reading_summary(upload),
            SHOWN if len(sheets) > 1 else HIDDEN,
            sheets,
            upload.details.get("sheet"),
            preview_view(area.preview(upload), profiles),
            HIDDEN if target.mode == "transactions" else SHOWN,
            role_rows(
                profiles,
                prefilled_roles(profiles, previous),
                dict(previous.labels) if previous else None,
            ),
            SHOWN if target.mode == "new" else HIDDEN,
            suggested_name(upload.file_name),
            # A refresh keeps the dataset's currency; a new dataset starts from the setting's.
            (previous.currency if previous else None) or services.settings.currency,
            upload.upload_id,
        )


def _register_sheet(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Data.UPLOADED, "data"),
        Input(Data.SHEET, "value"),
        State(Data.UPLOADED, "data"),
        prevent_initial_call=True,
    )
    def choose_sheet(sheet: object, raw: object) -> Any:
        upload = uploaded(services, raw)
        if not isinstance(upload, Upload) or sheet == upload.details.get("sheet"):
            return no_update
        if not isinstance(sheet, str) or sheet not in sheet_names(upload):
            return {"error": "Choose one of the workbook's sheets."}
        try:
            ready = upload_area(services.settings).prepare(
                upload.upload_id, upload.owner, sheet=sheet
            )
        except InputError as error:
            return {"error": str(error)}
        return ready.to_json()


def _register_mapping(app: Dash, services: Services) -> None:
    @app.callback(
        Output(Data.PROBLEMS, "children"),
        Output(Data.SCORE, "disabled"),
        Input({"type": Data.ROLE, "column": ALL}, "value"),
        Input({"type": Data.LABEL, "column": ALL}, "value"),
        Input(Data.NAME, "value"),
        Input(Data.CURRENCY, "value"),
        Input(Data.ROLES_FOR, "data"),
        State(Data.TARGET, "data"),
        State(Data.UPLOADED, "data"),
        # Not on page load: a callback whose inputs include an ALL pattern would fire on every
        # page, with this page's states missing. The drawn dropdowns (ROLES_FOR) start it.
        prevent_initial_call=True,
    )
    def check_mapping(
        roles: object,
        labels: object,
        name: object,
        currency: object,
        drawn_for: object,
        raw_target: object,
        raw: object,
    ) -> Any:
        upload = uploaded(services, raw)
        if not isinstance(upload, Upload):
            return None, True
        if not isinstance(roles, list) or len(roles) != len(upload.columns):
            return no_update, True  # the dropdowns of the previous upload, about to be redrawn
        try:
            target = Target.parse(raw_target)
            chosen = roles_of(upload.columns, roles)
            labelled = labels_of(upload.columns, labels)
        except InputError as error:
            return problems_view([str(error)]), True
        problems = read_presentation(upload.columns, currency, labelled)[1]
        problems += draft_problems(upload_area(services.settings).table_path(upload), chosen)
        if target.mode == "new":
            problems = _name_problems(services, name) + problems
        return problems_view(problems), bool(problems)


def _name_problems(services: Services, name: object) -> list[str]:
    try:
        clean = check_name(name)
    except InputError as error:
        return [str(error)]
    taken = DatasetStore(services.settings.datasets_dir).find(clean)
    if taken is not None:
        return [
            f"There is already a dataset named '{taken.name}'; choose another name, or use "
            "its “Refresh with a new file”."
        ]
    return []


def _register_transactions(app: Dash, services: Services) -> None:
    tx_outputs = [
        output
        for field in TX_FIELDS
        for output in (Output(field, "options"), Output(field, "value"))
    ]

    @app.callback(
        Output(Data.TX_CARD, "style"),
        *tx_outputs,
        Output(Data.TX_SCOPE, "options"),
        Output(Data.TX_SCOPE, "value"),
        Input(Data.UPLOADED, "data"),
        Input(Data.TARGET, "data"),
    )
    def show_transaction_form(raw: object, raw_target: object) -> tuple[Any, ...]:
        upload = uploaded(services, raw)
        try:
            mode = Target.parse(raw_target).mode
        except InputError:
            mode = "new"
        if not isinstance(upload, Upload) or mode != "transactions":
            return (HIDDEN, *([[], None] * len(TX_FIELDS)), [], [])
        columns = list(upload.columns)
        guessed = guess_transaction_columns(columns)
        chosen = [guessed["item"], guessed["date"], guessed["quantity"], guessed["net_price"]]
        return (SHOWN, *[x for value in chosen for x in (columns, value)], columns, [])

    @app.callback(
        Output(Data.TX_PROBLEMS, "children"),
        Output(Data.TX_SAVE, "disabled"),
        *(Input(field, "value") for field in TX_FIELDS),
        Input(Data.TX_SCOPE, "value"),
        State(Data.UPLOADED, "data"),
    )
    def check_transactions(*values: object) -> tuple[Any, bool]:
        upload = uploaded(services, values[-1])
        if not isinstance(upload, Upload):
            return None, True
        try:
            mapping = transaction_mapping(*values[:-1])
        except InputError as error:
            return problems_view([str(error)]), True
        problems = mapping.problems(upload.columns)
        return problems_view(problems), bool(problems)

    @app.callback(
        Output(Data.TX_NOTE, "children"),
        Output(Data.NOTE, "children", allow_duplicate=True),
        Output(Data.DATASETS, "children", allow_duplicate=True),
        Output(Data.UPLOADED, "data", allow_duplicate=True),
        Output(Data.TARGET, "data", allow_duplicate=True),
        Input(Data.TX_SAVE, "n_clicks"),
        *(State(field, "value") for field in TX_FIELDS),
        State(Data.TX_SCOPE, "value"),
        State(Data.UPLOADED, "data"),
        State(Data.TARGET, "data"),
        prevent_initial_call=True,
    )
    def save_transactions(clicks: object, *values: object) -> tuple[Any, ...]:
        if not clicks:
            return (no_update,) * 5
        caller = writer(services)
        if isinstance(caller, str):
            return (refusal(caller), *(no_update,) * 4)
        upload = uploaded(services, values[-2])
        if not isinstance(upload, Upload):
            return (refusal(upload or "Upload the transactions first."), *(no_update,) * 4)
        try:
            target = Target.parse(values[-1])
            mapping = transaction_mapping(*values[:-2])
            version = add_transactions(
                services.settings,
                upload_area(services.settings),
                upload.upload_id,
                caller.name,
                target,
                mapping,
            )
        except InputError as error:
            return (refusal(str(error)), *(no_update,) * 4)
        saved = (
            f"Saved {version.transaction_rows:,} order lines as version {version.label} of "
            f"this dataset."
        )
        return (
            None,
            success_note(saved),
            datasets_view(services, may_write=True),
            None,
            Target("new").to_json(),
        )
