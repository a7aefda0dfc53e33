"""Repricing with guardrails, through to a price change someone can apply: where a new price turns
extreme, the sentences bad prices get, who may approve a reprice, what the headline counts, the
price-change file and its record, and the Decisions page counting against the run on screen."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

import layouts.decisions
from dashboard.config import Settings
from dashboard.errors import InputError
from dashboard.ids import Decisions
from dashboard.reviews.guardrails import ExtremePriceError, RepriceLimits, extreme_reason
from dashboard.reviews.model import parse_decision
from dashboard.reviews.price_changes import (
    COLUMNS,
    parse_effective_date,
    price_change_bytes,
    price_change_frame,
)
from dashboard.reviews.service import Reviewing, save_review
from dashboard.reviews.summary import decisions_frame, summarise
from dashboard.runs import RunColumns, RunStore
from testkit.services import in_memory_services
from tests.test_datasets_decisions import by_id, text_of
from tests.test_reviews import make_run

LIMITS = RepriceLimits()


@pytest.mark.parametrize(
    ("new", "extreme"),
    [
        (130.0, False),  # +30 %: on the limit is within it
        (130.01, False),  # beyond ±30 % but inside [lower/2, 2 × upper] = [40, 240]
        (240.0, False),  # far from the price, exactly twice the interval's high
        (240.01, True),
        (70.0, False),  # −30 %
        (39.99, True),  # −60 % and under half the interval's low
        (40.0, False),
    ],
)
def test_a_price_is_extreme_only_far_from_both_the_price_and_the_interval(
    new: float, extreme: bool
) -> None:
    assert (extreme_reason(new, 100.0, 80.0, 120.0, LIMITS) is not None) is extreme


def test_the_extreme_sentence_names_the_change_and_the_limits() -> None:
    # The typo once seen: 125.99 → 50,000 on an item worth about 100–150.
    reason = extreme_reason(50_000, 125.99, 100.0, 150.0, LIMITS, lambda v: f"€{v:,.2f}")
    assert reason == (
        "€125.99 → €50,000.00 is +39,586% (more than ±30% of the current price) and outside "
        "€50.00–€300.00 (the fair-price interval widened 2×)"
    )
    # 800 → 99.50, the other one seen, is extreme too; an unknown interval cannot vouch for it.
    assert extreme_reason(99.5, 800.0, 600.0, 900.0, LIMITS) is not None
    assert extreme_reason(99.5, 800.0, None, None, LIMITS) is not None
    assert extreme_reason(99.5, None, None, None, LIMITS) is None


def test_the_limits_are_settings_read_and_checked_from_the_environment() -> None:
    settings = Settings.from_env(
        {"PRICESCOPE_REPRICE_MAX_CHANGE": "0,5", "PRICESCOPE_REPRICE_INTERVAL_FACTOR": "3"}
    )
    assert RepriceLimits.of(settings) == RepriceLimits(0.5, 3.0)
    assert RepriceLimits.of(Settings.from_env({})) == RepriceLimits(0.30, 2.0)
    with pytest.raises(InputError, match="PRICESCOPE_REPRICE_MAX_CHANGE must be a number"):
        Settings.from_env({"PRICESCOPE_REPRICE_MAX_CHANGE": "lots"})
    with pytest.raises(InputError, match=r"INTERVAL_FACTOR must be between 1 and 100, not 0\.5"):
        Settings.from_env({"PRICESCOPE_REPRICE_INTERVAL_FACTOR": "0.5"})


def test_a_decimal_comma_is_a_price() -> None:
    assert parse_decision("reprice", "competitor", "", "99,50").new_price == 99.5
    assert parse_decision("reprice", "competitor", "", " 1234.5 ").new_price == 1234.5


@pytest.fixture
def reviewing(tmp_path: Path) -> Reviewing:
    return Reviewing.open_url(f"sqlite:///{tmp_path / 'db.sqlite'}", RunStore(tmp_path / "runs"))


RUN = make_run("20260101T000000000000Z-aaaaaa", [True, True, True, False])


def test_an_extreme_reprice_needs_a_confirmation_and_a_note(reviewing: Reviewing) -> None:
    # SKU-0 costs 10 with interval 8–14: 50 is +400 % and above 28.
    typo = parse_decision("reprice", "competitor", "", "50")
    with pytest.raises(ExtremePriceError, match="tick “Confirm this price”"):
        save_review(reviewing, RUN, {"SKU-0": 0, "SKU-1": 0}, typo, "ann")
    unexplained = parse_decision("reprice", "competitor", "", "50", confirmed=True)
    with pytest.raises(ExtremePriceError, match="needs a note"):
        save_review(reviewing, RUN, {"SKU-0": 0}, unexplained, "ann")
    assert reviewing.decisions.version(RUN.info.dataset) == 0  # nothing half-saved
    meant = parse_decision("reprice", "competitor", "supplier doubled", "50", confirmed=True)
    (saved,) = save_review(reviewing, RUN, {"SKU-0": 0}, meant, "ann").saved
    assert saved.extreme and saved.status == "proposed"
    assert saved.status_text == "Pending approval · extreme, confirmed"
    # A modest reprice of another item needs nothing of the kind.
    modest = parse_decision("reprice", "competitor", "", "42")
    (plain,) = save_review(reviewing, RUN, {"SKU-1": 0}, modest, "ann").saved
    assert not plain.extreme


def test_only_someone_else_or_an_admin_approves_and_each_step_is_in_the_history(
    reviewing: Reviewing,
) -> None:
    store, dataset = reviewing.decisions, RUN.info.dataset
    # Prices 10, 40, 70 (make_run): each reprice within ±30 %.
    for item, new in (("SKU-0", "12"), ("SKU-1", "45"), ("SKU-2", "75")):
        reprice = parse_decision("reprice", "competitor", "match the market", new)
        save_review(reviewing, RUN, {item: 0}, reprice, "ann")
    own = store.give_verdict({"SKU-0": 1}, "approved", dataset=dataset, user="ann", is_admin=False)
    assert (
        own.done == () and "you proposed this reprice, so you cannot approve it" in own.refused[0]
    )
    by_bob = store.give_verdict(
        {"SKU-0": 1}, "approved", dataset=dataset, user="bob", is_admin=False, note="checked"
    )
    assert [(d.status, d.reviewed_by, d.version) for d in by_bob.done] == [("approved", "bob", 2)]
    again = store.give_verdict({"SKU-0": 2}, "rejected", dataset=dataset, user="cy", is_admin=False)
    assert "already approved by bob" in again.refused[0]
    stale = store.give_verdict(
        {"SKU-1": 0}, "approved", dataset=dataset, user="bob", is_admin=False
    )
    assert stale.done == () and len(stale.conflicts) == 1
    admin = store.give_verdict({"SKU-1": 1}, "rejected", dataset=dataset, user="ann", is_admin=True)
    assert [d.status for d in admin.done] == ["rejected"]
    history = store.history(dataset, "SKU-0")
    assert [(h.version, h.decided_by, h.status, h.note) for h in history] == [
        (2, "bob", "approved", "checked"),
        (1, "ann", "proposed", "match the market"),
    ]
    accepted = parse_decision("accepted", "price_correct")
    save_review(reviewing, RUN, {"SKU-3": 0}, accepted, "ann")
    refused = store.give_verdict(
        {"SKU-3": 1}, "approved", dataset=dataset, user="bob", is_admin=True
    )
    assert "only a reprice needs approval" in refused.refused[0]
    # The headline counts the approved reprice only; the pending one apart; the rejected not at all.
    summary = summarise(decisions_frame(store.decisions(dataset).values(), RUN), RUN)
    assert (summary.approved, summary.pending, summary.rejected) == (1, 1, 1)
    assert summary.approved_effect == pytest.approx((12 - 10) * 10.0)
    assert summary.pending_effect == pytest.approx((75 - 70) * 10.0)


def test_the_price_change_file_holds_the_approved_reprices_in_plain_numbers(
    reviewing: Reviewing,
) -> None:
    store, dataset = reviewing.decisions, RUN.info.dataset
    save_review(
        reviewing, RUN, {"SKU-0": 0}, parse_decision("reprice", "cost_change", "", "12,5"), "ann"
    )
    save_review(
        reviewing, RUN, {"SKU-1": 0}, parse_decision("reprice", "cost_change", "", "40"), "ann"
    )
    store.give_verdict({"SKU-0": 1}, "approved", dataset=dataset, user="bob", is_admin=False)
    frame = price_change_frame(store.decisions(dataset).values(), RUN, date(2026, 12, 1))
    assert tuple(frame.columns) == COLUMNS
    text = price_change_bytes(frame, "csv").decode("utf-8")
    header, row = text.strip().split("\r\n")
    assert header == ",".join(COLUMNS)
    assert row.startswith("SKU-0,10.00,12.50,2026-12-01,bob,")  # pending SKU-1 is not in it
    assert row.endswith(f",ann,{dataset},{RUN.run_id}")
    sheet = load_workbook(io.BytesIO(price_change_bytes(frame, "xlsx"))).active
    assert sheet is not None
    assert [c.value for c in sheet[2]][:4] == ["SKU-0", 10.0, 12.5, "2026-12-01"]
    reviewing.exports.record(
        dataset=dataset,
        run_id=RUN.run_id,
        user="bob",
        kind="csv",
        rows=1,
        effective=date(2026, 12, 1),
    )
    (record,) = reviewing.exports.recent(dataset)
    assert (record.exported_by, record.rows, record.kind, record.effective_date) == (
        "bob",
        1,
        "csv",
        "2026-12-01",
    )


def test_the_effective_date_is_today_or_later() -> None:
    today = date(2026, 11, 29)
    assert parse_effective_date("2026-11-30", today) == date(2026, 11, 30)
    with pytest.raises(InputError, match="has passed"):
        parse_effective_date("2026-11-28", today)
    with pytest.raises(InputError, match="is not a date"):
        parse_effective_date("next week", today)
    with pytest.raises(InputError, match="Choose the date"):
        parse_effective_date("", today)


def test_the_decisions_page_counts_against_the_run_in_the_address_and_lists_other_runs(
    demo_settings: Settings,
) -> None:
    services = in_memory_services(demo_settings)
    columns = RunColumns("sku", "p", None, None, ("brand",), ())
    source = {"kind": "dataset", "dataset": "shop", "version": "v1"}
    wide_info = services.runs.publish(
        make_run("x", [True] * 6).items,
        {},
        columns=columns,
        label="Shop · all",
        source=source,
        make_current=True,
    )
    wide = services.runs.load(wide_info.run_id)
    narrow = services.runs.publish(
        make_run("y", [True, True], ["SKU-4", "SKU-5"]).items,
        {},
        columns=columns,
        label="Shop · one region",
        source=source,
        make_current=False,
    )
    accepted = parse_decision("accepted", "price_correct")
    save_review(services.reviewing, wide, {"SKU-0": 0, "SKU-1": 0, "SKU-4": 0}, accepted, "ann")
    page = layouts.decisions.layout(services, run=narrow.run_id)
    assert by_id(page, Decisions.RUN).data == narrow.run_id
    assert "against run Shop · one region" in text_of(by_id(page, Decisions.SCOPE))
    assert "1 of 2 flagged in this run" in text_of(by_id(page, f"{Decisions.KPIS}-decided"))
    other = text_of(by_id(page, Decisions.OTHER_RUNS))
    assert "3 decisions were made on other runs of this dataset." in other
    assert "2 of their items are not in this run" in other and wide.run_id in other
    # On the run they were made on, nothing is "elsewhere"; an unknown run falls back to the
    # current one.
    here = layouts.decisions.layout(services, run=wide.run_id)
    assert text_of(by_id(here, Decisions.OTHER_RUNS)) == ""
    fallback = layouts.decisions.layout(services, run="no-such-run")
    assert by_id(fallback, Decisions.RUN).data == wide.run_id
