"""Logging set-up for the app, the CLI and the workers: one format for every logger.

``PRICESCOPE_LOG_LEVEL`` sets the level (INFO by default). ``PRICESCOPE_LOG_FORMAT`` chooses the
shape of a line: ``text`` (the default, for a console) or ``json`` (one JSON object per line, for
platforms that parse logs). Either way a record is ONE line: an exception adds its type and first
line (``exc_type``/``exc``), and its traceback goes into the JSON record's ``traceback`` field, or,
as text, only when the level is DEBUG. A Celery or kombu error used to print 40 lines per failure,
which buried everything else an operator needed to see.

Inside a web request every line also carries the request's id (see :mod:`dashboard.request_log`).
"""

from __future__ import annotations

import json
import logging
import os
import traceback
from datetime import UTC, datetime
from typing import Any

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Loggers that keep handlers of their own instead of propagating to the root: their lines get our
# formatter too (gunicorn sets them up before it imports the app).
SEPARATE_LOGGERS = ("gunicorn.error", "gunicorn.access")


def log_format_from_env(raw: str) -> str:
    """``PRICESCOPE_LOG_FORMAT``'s value: 'text' (also when empty) or 'json'; else a clear error."""
    from dashboard.errors import InputError

    value = raw.strip().lower() or "text"
    if value not in LOG_FORMATS:
        raise InputError(f"PRICESCOPE_LOG_FORMAT must be 'text' or 'json', not {raw.strip()!r}.")
    return value


def configure_logging(level: str | None = None, log_format: str | None = None) -> None:
    chosen = (level or os.environ.get("PRICESCOPE_LOG_LEVEL", "INFO")).upper()
    # Logging starts before the settings are read: a bad value logs as text until Settings refuses
    # it with its sentence.
    wanted = log_format or os.environ.get("PRICESCOPE_LOG_FORMAT", "").strip().lower()
    formatter = make_formatter(wanted)
    root = logging.getLogger()
    root.setLevel(getattr(logging, chosen, logging.INFO))
    handler = next((h for h in root.handlers if getattr(h, _OURS, False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        setattr(handler, _OURS, True)
        root.addHandler(handler)
    handler.setFormatter(formatter)
    for name in SEPARATE_LOGGERS:
        for separate in logging.getLogger(name).handlers:
            separate.setFormatter(formatter)
    # Werkzeug logs every request at INFO; an analyst's console needs only problems.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # Alembic describes its set-up on every start; dashboard.db.upgrade logs what it applies.
    logging.getLogger("alembic").setLevel(logging.WARNING)


_OURS = "_pricescope_handler"


def make_formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else OneLineFormatter(TEXT_FORMAT, "%H:%M:%S")


def exception_fields(record: logging.LogRecord) -> dict[str, str]:
    """``exc_type``, ``exc`` (the message's first line) and ``traceback`` of a record's exception."""
    if not record.exc_info or record.exc_info[0] is None:
        return {}
    kind, error, trace = record.exc_info
    lines = str(error).strip().splitlines()
    return {
        "exc_type": kind.__name__,
        "exc": lines[0] if lines else "",
        "traceback": "".join(traceback.format_exception(kind, error, trace)).rstrip(),
    }


def _request_id(record: logging.LogRecord) -> str | None:
    """The id a record was logged with, else that of the request being served (if any)."""
    given = getattr(record, "request_id", None)
    if isinstance(given, str) and given:
        return given
    from dashboard.request_log import current_request_id

    return current_request_id()


class OneLineFormatter(logging.Formatter):
    """The text format: one line per record; the request id and the exception's type and first
    line appended; the traceback only at DEBUG."""

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        line = self.formatMessage(_with_time(self, record))
        request_id = _request_id(record)
        if request_id:
            line += f" [request {request_id}]"
        fields = exception_fields(record)
        if fields:
            line += f" ({fields['exc_type']}: {fields['exc']})"
            if logging.getLogger().isEnabledFor(logging.DEBUG):
                line += "\n" + fields["traceback"]
        elif record.stack_info and logging.getLogger().isEnabledFor(logging.DEBUG):
            line += "\n" + self.formatStack(record.stack_info)
        return line


def _with_time(formatter: logging.Formatter, record: logging.LogRecord) -> logging.LogRecord:
    record.asctime = formatter.formatTime(record, formatter.datefmt)
    return record


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, exception fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = _request_id(record)
        if request_id:
            entry["request_id"] = request_id
        entry.update(exception_fields(record))
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)
