"""Queueing a recompute and who may start it, without Dash: scopes from hostile JSON, the page's
job lookup, the scope choices per transactions version, and the start-time checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.auth import Identity, Role
from dashboard.config import Settings
from dashboard.errors import InputError
from dashboard.jobs import (
    RecomputeOutcome,
    ScopeRequest,
    TransactionSource,
    job_book,
    parse_scope,
    runner,
)
from dashboard.jobs.choices import ScopeCatalogue
from dashboard.jobs.lookup import page_job, page_job_active, request_job_id
from dashboard.jobs.queue import (
    REFUSED,
    caller_from_forwarded,
    forwarded_caller,
    queue_job,
    scope_to_queue,
    start_page_job,
    start_refusal,
)
from dashboard.jobs.scopes import PERIOD_LABELS
from dashboard.runs import RunStore

CHOICES = {
    "region": ("DACH", "France", "Iberia"),
    "customer_segment": ("fleet", "garage"),
    "channel": ("direct", "e-commerce"),
}
LISTS = {"regions": "region", "customer_segments": "customer_segment", "channels": "channel"}
ANN = Identity("ann", Role.ANALYST)
VERA = Identity("vera", Role.VIEWER)

# Anything a client can put in a JSON body.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# Scope-shaped objects whose values are sometimes right and sometimes anything at all.
PLAUSIBLE = st.fixed_dictionaries(
    {},
    optional={
        "period": st.sampled_from([*PERIOD_LABELS, "5y"]) | JSON,
        "start": st.sampled_from(["2025-01-01", "2025-02-30", ""]) | JSON,
        "end": st.sampled_from(["2025-06-30", "2024-01-01"]) | JSON,
        **{
            key: st.lists(st.sampled_from(CHOICES[column]), max_size=3) | JSON
            for key, column in LISTS.items()
        },
        "filters": st.dictionaries(
            st.sampled_from([*CHOICES, "Mars"]),
            st.lists(st.sampled_from(CHOICES["region"]), max_size=3) | JSON,
            max_size=3,
        )
        | JSON,
    },
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=JSON | PLAUSIBLE)
def test_any_json_gives_a_valid_scope_or_one_clear_sentence(raw: Any) -> None:
    try:
        request = parse_scope(raw, choices=CHOICES)
    except InputError as refusal:
        sentence = str(refusal)
        assert sentence.endswith(".") and len(sentence) < 200, sentence
        assert "\n" not in sentence
        return
    assert isinstance(request, ScopeRequest) and request.period in PERIOD_LABELS
    for column in LISTS.values():
        chosen = request.filter_map.get(column, ())
        assert chosen == tuple(sorted(set(chosen))) and set(chosen) <= set(CHOICES[column])
    if request.period == "range":
        assert request.start is not None and request.end is not None
        assert request.start <= request.end


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"period": ["12m"]}, "The period must be one of .*, not a list"),
        ({"period": {"months": 12}}, "The period must be one of .*, not an object"),
        ({"period": 12}, "The period must be one of .*, not 12"),
        ({"regions": [["France"]]}, "The region filter must be a list of names"),
        ({"channels": {"direct": True}}, "The channel filter must be a list of names"),
        ({"period": "range", "start": ["2025-01-01"], "end": "2025-02-01"}, "not a list"),
        ({"period": "range", "start": "2025-01-01", "end": {"d": 1}}, "end date must be a date"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_with_a_sentence(raw: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_scope(raw, choices=CHOICES)


# -- queueing ----------------------------------------------------------------------------------
def test_queueing_writes_a_record_with_a_ticket_for_the_page(demo_settings: Settings) -> None:
    book = job_book(demo_settings)
    handed = queue_job(
        demo_settings, book, {"period": "6m", "regions": ["France"]}, ANN, ScopeCatalogue()
    )
    record = book.get(handed["job_id"])
    assert record is not None and record.status == "queued" and record.started_by == "ann"
    assert handed["ticket"] and handed["ticket"] == record.ticket
    assert record.scope_label.startswith(
        "Demo tyre catalogue · last 6 months ("
    ) and record.scope_label.endswith("France")
    assert record.scope["filters"] == {"region": ["France"]}
    assert record.scope["dataset"] == "demo"


def test_a_bad_scope_queues_nothing(demo_settings: Settings) -> None:
    book = job_book(demo_settings)
    with pytest.raises(InputError, match="Unknown region 'Mars'"):
        queue_job(demo_settings, book, {"regions": ["Mars"]}, ANN, ScopeCatalogue())
    assert book.recent() == []


def test_run_again_queues_the_earlier_job_s_scope(demo_settings: Settings) -> None:
    book = job_book(demo_settings)
    earlier = book.create({"period": "3m", "channels": ["direct"]}, "x", "ann")
    form = {"period": "12m"}
    assert scope_to_queue(book, form, None) is form
    assert scope_to_queue(book, form, earlier.job_id) == {"period": "3m", "channels": ["direct"]}
    assert scope_to_queue(book, form, "j-20200101000000-abcdef") is form  # gone: the form's
    with pytest.raises(InputError, match="is not a job id"):
        scope_to_queue(book, form, ["j-20200101000000-abcdef"])


def test_the_page_s_job_is_found_only_from_a_well_formed_store(tmp_path: Path) -> None:
    book = job_book(Settings(data_dir=tmp_path))
    record = book.create({}, "x", "ann")
    for garbage in (
        None,
        [],
        "j",
        {"job_id": ["x"]},
        {"job_id": "../../etc/passwd"},
        {"job_id": 5},
    ):
        assert request_job_id(garbage) is None and page_job(book, garbage) is None
        assert not page_job_active(book, garbage)
    found = page_job(book, {"job_id": record.job_id})
    assert (
        found is not None
        and found.job_id == record.job_id
        and page_job_active(book, {"job_id": record.job_id})
    )
    book.request_cancel(record.job_id)
    assert not page_job_active(book, {"job_id": record.job_id})


def test_scope_choices_are_read_once_per_transactions_version(
    demo_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = ScopeCatalogue()
    first = catalogue.facts(demo_settings)
    assert set(first.choices) == {"region", "customer_segment", "channel"}
    assert "France" in first.choices["region"]
    reads: list[str] = []
    monkeypatch.setattr(TransactionSource, "data_end", lambda source: reads.append(source))
    assert catalogue.facts(demo_settings) is first and reads == []  # same version: not read again
    with pytest.raises(TypeError):
        first.choices["region"] = ("Mars",)  # type: ignore[index]  # shared: read-only
    assert dict(ScopeCatalogue().choices(Settings(data_dir=tmp_path / "empty"))) == {}


# -- starting ----------------------------------------------------------------------------------
def test_an_identity_travels_to_the_job_process_and_garbage_is_nobody() -> None:
    assert caller_from_forwarded(forwarded_caller(ANN)) == ANN
    assert forwarded_caller(None) is None
    for garbage in (
        None,
        "ann",
        {"name": "ann"},
        {"name": "ann", "role": "root"},
        {"name": 1, "role": "admin"},
    ):
        assert caller_from_forwarded(garbage) is None


def test_only_an_analyst_with_the_page_s_ticket_may_start_a_queued_job(tmp_path: Path) -> None:
    book = job_book(Settings(data_dir=tmp_path))
    record = book.create({}, "x", "ann")
    own = {"job_id": record.job_id, "ticket": record.ticket}
    assert start_refusal(book, own, ANN) is None
    assert start_refusal(book, own, Identity("ada", Role.ADMIN)) is None
    assert start_refusal(book, own, None) == "Sign in first."
    assert start_refusal(book, own, VERA) == "This needs the analyst role; vera is a viewer."
    for crafted in (
        {"job_id": record.job_id},
        {"job_id": record.job_id, "ticket": "guess"},
        {**own, "ticket": ["x"]},
    ):
        refusal = start_refusal(book, crafted, ANN)
        assert (
            refusal
            == f"Job {record.job_id} was queued from another page; only that page can start it."
        )
    assert (
        start_refusal(book, {"job_id": "j-20200101000000-abcdef", "ticket": "t"}, ANN)
        == "There is no such job."
    )


def test_a_refused_start_runs_nothing_and_leaves_the_record(
    demo_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = job_book(demo_settings)
    handed = queue_job(demo_settings, book, {"period": "3m"}, ANN, ScopeCatalogue())
    ran: list[str] = []

    def recompute_spy(*args: object, **kwargs: object) -> RecomputeOutcome:
        ran.append("ran")
        raise AssertionError("a refused job must not run")

    monkeypatch.setattr(runner, "_run", recompute_spy)
    for caller, request in ((VERA, handed), (ANN, {"job_id": handed["job_id"]})):
        result = start_page_job(demo_settings, request, caller)
        assert result["status"] == REFUSED and result["job_id"] == handed["job_id"]
        assert (
            "needs the analyst role" in result["error"]
            or "queued from another page" in result["error"]
        )
    record = book.get(handed["job_id"])
    assert record is not None and record.status == "queued" and record.started_at is None
    assert ran == [] and len(RunStore(demo_settings.runs_dir).list_runs()) == 1
    assert start_page_job(demo_settings, {"job_id": "nope"}, ANN) == {
        "status": "failed",
        "error": "'nope' is not a job id.",
    }
