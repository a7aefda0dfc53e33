"""Times the job records in the SQL database: one heartbeat update (what a running job writes twice
a second) and the Jobs page's read of the 20 newest records among many, on SQLite and PostgreSQL.

    python bench/job_records.py [--beats 2000] [--records 10000] [--postgres URL]

SQLite is a throw-away file (WAL, as the app configures it). ``--postgres`` names a database to use
(the bench's rows, started by "bench", are removed again). Each heartbeat is the
runner's own call, ``JobBook.update(job_id, stage=…, fraction=…, heartbeat_at=…)``: one write
transaction with a conditional ``UPDATE … RETURNING``. Figures are medians and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, insert

from dashboard.config import Settings
from dashboard.db import job_records
from dashboard.jobs import JobBook, job_book
from dashboard.jobs.records import DONE, RUNNING, JobRecord

BY = "bench"


def _ms(samples: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(1000 * statistics.median(samples), 3),
        "p95_ms": round(1000 * statistics.quantiles(samples, n=20)[-1], 3),
    }


def _fill(book: JobBook, records: int) -> None:
    """``records`` ended jobs, one a minute back in time, as months of use leave them."""
    now = time.time()
    rows = [
        JobRecord(
            job_id=f"j-20250101{index // 60:04d}{index % 60:02d}-{index % 0xFFFFFF:06x}",
            scope={"period": "12m"},
            scope_label="12 months",
            started_by=BY,
            status=DONE,
            created_at=now - 60 * (index + 1),
        ).to_json()
        for index in range(records)
    ]
    with book.database.write() as connection:
        connection.execute(insert(job_records), rows)


def _clear(book: JobBook) -> None:
    with book.database.write() as connection:
        connection.execute(delete(job_records).where(job_records.c.started_by == BY))


def bench(book: JobBook, beats: int, records: int) -> dict[str, Any]:
    _clear(book)
    try:
        return _timed(book, beats, records)
    finally:
        _clear(book)


def _timed(book: JobBook, beats: int, records: int) -> dict[str, Any]:
    _fill(book, records)
    job = book.create({"period": "12m"}, "12 months", BY, origin="jobs")
    now = time.time()
    book.update(job.job_id, status=RUNNING, started_at=now, heartbeat_at=now)
    heartbeat = []
    for beat in range(beats):
        started = time.perf_counter()
        book.update(
            job.job_id, stage="fitting fold 2/5", fraction=beat / beats, heartbeat_at=time.time()
        )
        heartbeat.append(time.perf_counter() - started)
    recent = []
    for _ in range(200):
        started = time.perf_counter()
        book.recent(limit=20)
        recent.append(time.perf_counter() - started)
    return {"heartbeat": _ms(heartbeat), "recent_20": _ms(recent)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beats", type=int, default=2000)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL (postgresql+psycopg://…)")
    args = parser.parse_args()
    results: dict[str, Any] = {"beats": args.beats, "records": args.records}
    with tempfile.TemporaryDirectory(prefix="pricescope-bench-records-") as folder:
        results["sqlite"] = bench(
            job_book(Settings(data_dir=Path(folder))), args.beats, args.records
        )
    if args.postgres:
        settings = Settings(data_dir=Path(tempfile.gettempdir()), database_url=args.postgres)
        results["postgresql"] = bench(job_book(settings), args.beats, args.records)
    for name in ("sqlite", "postgresql"):
        if name in results:
            found = results[name]
            print(
                f"{name}: heartbeat update {found['heartbeat']['median_ms']} ms median, "
                f"{found['heartbeat']['p95_ms']} ms p95; the 20 newest of {args.records:,} "
                f"records {found['recent_20']['median_ms']} ms median"
            )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
