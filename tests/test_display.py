"""Labels, currency and timestamps: how a run's numbers and names read on screen."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.config import Settings
from dashboard.datasets.mapping import ColumnMapping
from dashboard.datasets.store import DatasetStore
from dashboard.display import Display, check_currency, format_timestamp, humanize
from dashboard.errors import InputError
from dashboard.run_display import display_for
from dashboard.runs import RunInfo


@pytest.mark.parametrize(
    ("column", "label"),
    [
        ("BRAND_TIER", "Brand tier"),
        ("brand_tier", "Brand tier"),
        ("brandTier", "Brand tier"),
        ("line_segment", "Line segment"),
        ("sku_id", "SKU ID"),
        ("price", "Price"),
        ("x", "X"),
    ],
)
def test_column_names_read_as_words(column: str, label: str) -> None:
    assert humanize(column) == label


def test_built_in_columns_have_fixed_words_and_a_dataset_may_rename_its_own() -> None:
    display = Display(labels={"rim": "Rim diameter (in)"})
    assert display.label("at_stake") == "At stake"
    assert display.label("rim") == "Rim diameter (in)"
    assert display.label("LOAD_INDEX") == "Load index"


def test_money_carries_the_currency_with_a_sign_or_a_code() -> None:
    euro, krona = Display(currency="EUR"), Display(currency="SEK")
    assert euro.money(12_345) == "€12.3k"
    assert euro.money(-1_234_567) == "−€1.23M"
    assert euro.signed_money(500) == "+€500"
    assert euro.price(125.99) == "€125.99"
    assert krona.money(12_345) == "12.3k SEK"
    assert krona.price(1250) == "1,250.00 SEK"
    assert euro.money(float("nan")) == "–"


def test_timestamps_read_as_a_date_and_a_time() -> None:
    assert format_timestamp("2026-11-29T08:45:48+00:00") == "29 Nov 2026, 08:45 UTC"
    assert format_timestamp("2026-11-29T09:45:48+01:00") == "29 Nov 2026, 08:45 UTC"
    assert format_timestamp("not a time") == "not a time"


def test_a_currency_code_is_three_letters() -> None:
    assert check_currency(" usd ") == "USD"
    with pytest.raises(InputError, match="not a currency code"):
        check_currency("dollars")


def test_the_currency_setting_is_checked_at_start() -> None:
    assert Settings.from_env({"PRICESCOPE_CURRENCY": "gbp"}, serving=False).currency == "GBP"
    with pytest.raises(InputError, match="PRICESCOPE_CURRENCY"):
        Settings.from_env({"PRICESCOPE_CURRENCY": "€"}, serving=False)


def test_a_run_reads_in_its_datasets_currency_and_labels(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, currency="USD")
    store = DatasetStore(settings.datasets_dir)
    info = store.create("Swedish list", created_by="ana")
    table = pd.DataFrame({"sku": ["a", "b"], "price": [1.0, 2.0], "rim": [16, 17]})
    mapping = ColumnMapping(
        target="price", id="sku", currency="SEK", labels=(("rim", "Rim diameter (in)"),)
    )
    assert mapping.problems(list(table.columns)) == []
    version = store.add_version(info.slug, table, mapping, created_by="ana", source="list.csv")
    run = RunInfo.from_json(
        {
            "run_id": "20261129T000000-abcdef",
            "created_at": "2026-11-29T00:00:00+00:00",
            "rows": 2,
            "label": "x",
            "columns": {"id": "sku", "target": "price"},
            "source": {"dataset": info.slug, "version": version.version_id},
        }
    )
    shown = display_for(settings, run)
    assert shown.currency == "SEK"
    assert shown.label("rim") == "Rim diameter (in)"
    # A run from the command line, with no dataset version, reads in the setting's currency.
    assert display_for(settings, None).currency == "USD"


def test_a_mapping_says_what_is_wrong_with_its_currency_and_labels() -> None:
    mapping = ColumnMapping(target="price", currency="dollars", labels=(("nope", "Nope"),))
    problems = mapping.problems(["price"])
    assert any("not a currency code" in p for p in problems)
    assert any("no column 'nope'" in p for p in problems)
    again = ColumnMapping.from_json(mapping.to_json())
    assert again == mapping
