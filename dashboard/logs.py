"""Logging set-up for the app, the CLI and the workers: one format, level from PRICESCOPE_LOG_LEVEL."""

from __future__ import annotations

import logging
import os


def configure_logging(level: str | None = None) -> None:
    chosen = (level or os.environ.get("PRICESCOPE_LOG_LEVEL", "INFO")).upper()
    logging.basicConfig(
        level=getattr(logging, chosen, logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    # Werkzeug logs every request at INFO; an analyst's console needs only problems.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # Alembic describes its set-up on every start; dashboard.db.upgrade logs what it applies.
    logging.getLogger("alembic").setLevel(logging.WARNING)
