"""The record of price-change files handed out: who took one, when, for which dataset and run,
with which effective date, how many price changes, CSV or Excel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select

from dashboard.db import Database, price_change_exports, utc_now
from dashboard.reviews.model import utc


@dataclass(frozen=True)
class ExportRecord:
    dataset: str
    run_id: str | None
    exported_by: str
    exported_at: datetime
    effective_date: str
    kind: str
    rows: int


class PriceChangeExports:
    def __init__(self, database: Database) -> None:
        self.database = database

    def record(
        self,
        *,
        dataset: str,
        run_id: str | None,
        user: str,
        kind: str,
        rows: int,
        effective: date,
    ) -> ExportRecord:
        made = ExportRecord(dataset, run_id, user, utc_now(), effective.isoformat(), kind, rows)
        with self.database.write() as connection:
            connection.execute(
                insert(price_change_exports).values(
                    dataset=made.dataset,
                    run_id=made.run_id,
                    exported_by=made.exported_by,
                    exported_at=made.exported_at,
                    effective_date=made.effective_date,
                    kind=made.kind,
                    rows=made.rows,
                )
            )
        return made

    def recent(self, dataset: str, limit: int = 10) -> list[ExportRecord]:
        """The dataset's price-change exports, newest first."""
        table = price_change_exports
        query = (
            select(table)
            .where(table.c.dataset == dataset)
            .order_by(table.c.exported_at.desc(), table.c.id.desc())
            .limit(limit)
        )
        with self.database.read() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            ExportRecord(
                dataset=str(row["dataset"]),
                run_id=None if row["run_id"] is None else str(row["run_id"]),
                exported_by=str(row["exported_by"]),
                exported_at=utc(row["exported_at"]),
                effective_date=str(row["effective_date"]),
                kind=str(row["kind"]),
                rows=int(row["rows"]),
            )
            for row in rows
        ]
