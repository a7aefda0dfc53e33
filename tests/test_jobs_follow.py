"""A page finds its analyst's job again from the job records, and the Jobs page's outcome offers
the finished job's run (View run, Make current) with the run's scoring warnings."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from dash.development.base_component import Component

from dashboard.config import Settings
from dashboard.jobs import job_book
from dashboard.jobs.lookup import RECENT_S, followed_job
from dashboard.jobs.records import CANCELLED, DATA_PAGE, DONE, FAILED, INTERRUPTED, JOBS_PAGE
from dashboard.publishing import publish_scored
from dashboard.run_notices import make_current_question
from dashboard.runs import RunStore
from dashboard.scoring import ScoringConfig, score_table
from layouts.jobs_outcome import job_progress_view, outcome_alert
from layouts.jobs_tables import epoch_time, runs_table
from layouts.shell import confirm_body


def text_of(tree: object) -> str:
    """The words a component tree shows, as a reader would see them run together."""
    if isinstance(tree, Component):
        return text_of(getattr(tree, "children", None))
    if isinstance(tree, list | tuple):
        return " ".join(text_of(t) for t in tree)
    return "" if tree is None else str(tree)


def hrefs(tree: object) -> list[str]:
    if isinstance(tree, Component):
        own = [tree.href] if isinstance(getattr(tree, "href", None), str) else []
        return own + hrefs(getattr(tree, "children", None))
    if isinstance(tree, list | tuple):
        return [h for t in tree for h in hrefs(t)]
    return []


def test_a_page_follows_its_analysts_newest_job_from_that_page(tmp_path: Path) -> None:
    book = job_book(Settings(data_dir=tmp_path))
    ann_old = book.create({"period": "12m"}, "12 months", "ann", origin=JOBS_PAGE)
    book.create({"kind": "score-dataset"}, "Score houses", "ann", origin=DATA_PAGE)
    book.create({"period": "3m"}, "3 months", "bob", origin=JOBS_PAGE)
    time.sleep(1.1)  # job ids order by the second they were made
    ann_new = book.create({"period": "24m"}, "24 months", "ann", origin=JOBS_PAGE)

    found = followed_job(book, "ann", JOBS_PAGE, 900)
    assert found is not None and found.job_id == ann_new.job_id and found.active
    scoring = followed_job(book, "ann", DATA_PAGE, 900)
    assert scoring is not None and scoring.scope_label == "Score houses"
    assert followed_job(book, "carl", JOBS_PAGE, 900) is None
    assert followed_job(book, None, JOBS_PAGE, 900) is None

    # Ended jobs are still found (the page shows how they ended), old ones no longer.
    book.finish(ann_new.job_id, DONE, run_id="20260101T000000000000Z-abcdef")
    ended = followed_job(book, "ann", JOBS_PAGE, 900)
    assert ended is not None and ended.status == DONE
    later = time.time() + RECENT_S + 5
    assert book.latest_of("ann", JOBS_PAGE, RECENT_S, now=later) is None
    assert ann_old.job_id != ann_new.job_id


def test_a_running_job_whose_process_died_is_shown_as_interrupted(tmp_path: Path) -> None:
    book = job_book(Settings(data_dir=tmp_path))
    record = book.create({"period": "12m"}, "12 months", "ann", origin=JOBS_PAGE)
    long_ago = time.time() - 600
    book.update(record.job_id, status="running", started_at=long_ago, heartbeat_at=long_ago)
    found = followed_job(book, "ann", JOBS_PAGE, 900)
    assert found is not None and found.status == INTERRUPTED
    assert "stopped responding" in (found.error or "") and "retry it" in (found.error or "")


def test_the_progress_of_a_running_and_an_ended_job(tmp_path: Path) -> None:
    book = job_book(Settings(data_dir=tmp_path))
    record = book.create({"period": "12m"}, "Demo · 12 months · France", "ann", origin=JOBS_PAGE)
    now = time.time()
    running = book.update(
        record.job_id, status="running", started_at=now - 10, stage="fold 2 of 5", fraction=0.4
    )
    assert running is not None
    value, label, stage, timing = job_progress_view(running)
    assert value == 40.0 and label == "40 %" and stage == "fold 2 of 5"
    assert "Demo · 12 months · France" in timing and "elapsed" in timing and "left" in timing
    assert epoch_time(record.created_at) in timing and not re.search(r"\dT\d", timing)
    stopping = replace(running, cancel_requested=True)
    assert job_progress_view(stopping)[2].startswith("stopping")
    cancelled = replace(running, status=CANCELLED, error="cancelled by the analyst")
    assert job_progress_view(cancelled)[2] == "Cancelled"
    assert "Cancelled" in text_of(outcome_alert(cancelled))
    failed = replace(running, status=FAILED, error="No order lines fall in the period.")
    assert text_of(outcome_alert(failed)).startswith("Recompute failed:")
    assert outcome_alert(running) is None
    interrupted = replace(running, status=INTERRUPTED, error="interrupted: … — retry it")
    assert job_progress_view(interrupted)[2] == "Interrupted"
    alert = outcome_alert(interrupted)
    assert text_of(alert).startswith("Interrupted:") and "…." in text_of(alert)
    assert "interrupted:" not in text_of(alert)
    assert "Retry" in text_of(alert) and "Cancel" not in text_of(alert)


def _leaky_table(rows: int = 240) -> pd.DataFrame:
    """Prices driven by size and brand, and a 'cost' column that is the price less a margin."""
    rng = np.random.default_rng(3)
    size = rng.uniform(10, 100, rows)
    brand = rng.choice(["a", "b", "c"], rows)
    price = 20 + 3 * size + np.where(brand == "a", 40, 0) + rng.normal(0, 8, rows)
    return pd.DataFrame(
        {
            "sku": [f"s{i}" for i in range(rows)],
            "size": size,
            "brand": brand,
            "cost": price * 0.7 + rng.normal(0, 1, rows),
            "price": price,
        }
    )


def test_a_runs_scoring_warnings_are_kept_with_it_and_shown(tmp_path: Path) -> None:
    table = _leaky_table()
    config = ScoringConfig(target="price", id_col="sku", n_folds=3)
    result = score_table(table, config)
    store = RunStore(tmp_path / "runs")
    # The first run published becomes current; the leaky one is the run a job just published.
    publish_scored(store, table, result, config, label="earlier", source={"kind": "test"})
    info = publish_scored(store, table, result, config, label="leaky", source={"kind": "test"})

    card = json.loads((tmp_path / "runs" / info.run_id / "model_card.json").read_text())
    assert any("'cost' tracks the price closely" in w for w in card["warnings"])
    warnings = store.warnings(info.run_id)
    assert warnings == tuple(card["warnings"])
    assert store.load(info.run_id).warnings == warnings

    shown = text_of(runs_table([info], None, {}, {info.run_id: warnings}))
    assert f"⚠ {len(warnings)} scoring warning" in shown and "mispricings go unflagged" in shown

    book = job_book(Settings(data_dir=tmp_path / "jobs"))
    record = book.create({"period": "12m"}, "Demo · 12 months", "ann", origin=JOBS_PAGE)
    done = replace(record, status=DONE, finished_at=time.time(), run_id=info.run_id)
    outcome = outcome_alert(done, info, warnings)
    words = text_of(outcome)
    assert "Run ready" in words and "Scoring warnings" in words and "'cost'" in words
    assert f"/?run={info.run_id}" in hrefs(outcome)
    assert "Make current" in words

    # The shell's one confirmation names the run and shows its warnings before anyone agrees.
    _, sentence = make_current_question(store, info.run_id, {})
    question = text_of(confirm_body(sentence, warnings))
    assert "for every user" in question and "'cost'" in question


def test_a_run_without_a_readable_card_has_no_warnings(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    assert store.warnings("20260101T000000000000Z-abcdef") == ()
