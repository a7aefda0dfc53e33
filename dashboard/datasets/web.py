"""The upload route: a file streamed from the browser to disk, read, and answered with its shape.

``POST /data/upload`` with the file as the raw request body (``application/octet-stream``), its
name in the ``X-File-Name`` header (percent-encoded), optionally the ``.xlsx`` sheet to read in
``X-Sheet``, and the session's CSRF token in ``X-CSRF-Token``. The body is never parsed as a form, so the file is streamed to disk in chunks and
never held in memory (Dash's ``dcc.Upload`` would post it base64 through a callback: a 200 MB file
became about 270 MB of JSON, held several times over). The answer is JSON: the upload's id, rows,
columns and what reading detected, or ``{"error": sentence}`` with a 4xx status; a refused upload
leaves nothing on disk.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any
from urllib.parse import unquote

from flask import Flask, jsonify, request, session

from dashboard.auth import Role, RoleRefusedError, require_role
from dashboard.auth.web import CSRF_KEY
from dashboard.config import Settings
from dashboard.datasets.sink import UploadLimits
from dashboard.datasets.uploads import UploadArea
from dashboard.errors import InputError

logger = logging.getLogger(__name__)

UPLOAD_PATH = "/data/upload"
FILE_NAME_HEADER = "X-File-Name"
CSRF_HEADER = "X-CSRF-Token"
#: Optional: the workbook sheet to read (percent-encoded); by default the first holding data.
SHEET_HEADER = "X-Sheet"
#: Who may upload, map and score datasets.
DATASET_ROLE = Role.ANALYST


def upload_area(settings: Settings) -> UploadArea:
    return UploadArea(
        settings.uploads_dir,
        max_bytes=settings.max_upload_mb * 2**20,
        limits=UploadLimits(
            max_rows=settings.max_upload_rows, max_columns=settings.max_upload_columns
        ),
    )


def install_upload_route(server: Flask, settings: Settings) -> None:
    area = upload_area(settings)

    @server.route(UPLOAD_PATH, methods=["POST"])
    def upload_dataset_file() -> Any:
        try:
            identity = require_role(settings.sign_in_required, DATASET_ROLE)
        except RoleRefusedError as refusal:
            return _error(str(refusal), 403)
        if not _csrf_header_ok():
            return _error("The page has expired; reload it and upload again.", 403)
        length = request.content_length
        if length is not None and length > area.max_bytes:
            return _error(
                f"The file is {length / 2**20:,.0f} MB, more than the limit of "
                f"{settings.max_upload_mb:,} MB (PRICESCOPE_MAX_UPLOAD_MB).",
                413,
            )
        name = unquote(request.headers.get(FILE_NAME_HEADER, ""))
        try:
            received = area.receive(request.stream, name, identity.name)
            upload = area.prepare(received.upload_id, identity.name, sheet=_sheet_asked())
        except InputError as problem:
            return _error(str(problem), 400)
        logger.info(
            "%s uploaded %s (%s bytes, %s rows)",
            identity.name,
            upload.file_name,
            upload.size_bytes,
            upload.rows,
        )
        return jsonify(
            upload_id=upload.upload_id,
            file_name=upload.file_name,
            size_bytes=upload.size_bytes,
            format=upload.format,
            rows=upload.rows,
            columns=list(upload.columns),
            details=upload.details,
        )


def _sheet_asked() -> str | None:
    sheet = unquote(request.headers.get(SHEET_HEADER, "")).strip()
    return sheet or None


def _csrf_header_ok() -> bool:
    sent = request.headers.get(CSRF_HEADER, "")
    expected = session.get(CSRF_KEY)
    return isinstance(expected, str) and bool(sent) and hmac.compare_digest(sent, expected)


def _error(sentence: str, status: int) -> Any:
    response = jsonify(error=sentence)
    response.status_code = status
    return response
