"""How well scoring finds the planted mispricings of the demo catalogue.

    python bench/detection.py [--skus 50000] [--seed 7] [--model NAME] [--interval NAME]
                                 [--threshold X] [--demo DIR]

Ranking: the product shows flagged items ranked by money at stake first, so ``precision_at_100``
is the share of planted catalogue-level items among the 100 flagged items with the most money at
stake (``precision_at_100_by_score`` ranks by score instead). ``recall`` is the share of planted
items at least 15 % off that are flagged; ``false_flag_rate`` the share of clean items flagged;
``coverage`` the share of clean items inside their interval. The baseline fits the same trees
once on all rows (no out-of-fold, no robust refit) and ranks by in-sample |log residual|;
``*_at_planted`` compares both rankings over as many items as were planted. The last line is
one JSON object.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

# Run as a script (python bench/NAME.py): make the repository's packages importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import demo_catalogue, demo_config, peak_rss_mb, print_json_last

from dashboard.features import feature_frame, infer_features
from dashboard.scoring import (
    DEFAULT_FLAG_THRESHOLD,
    DEFAULT_INTERVAL_METHOD,
    DEFAULT_MODEL,
    INTERVAL_METHODS,
    MODEL_CANDIDATES,
    ScoringConfig,
    score_table,
)
from dashboard.scoring.model import fit_fair_model

TOP_N = 100
MATERIAL_PCT_OFF = 0.15
SWEEP_THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.75, 1.0)


def main() -> None:
    args = _arguments()
    config = demo_config(
        model=args.model,
        interval_method=args.interval,
        flag_threshold=args.threshold,
        coverage=args.coverage,
    )
    with demo_catalogue(args.skus, args.seed, reuse=args.demo) as (catalogue, truth):
        started = time.perf_counter()
        result = score_table(catalogue, config)
        seconds = time.perf_counter() - started
        planted = set(truth.loc[truth["level"] == "catalogue", "sku"])
        material = set(
            truth.loc[
                (truth["level"] == "catalogue") & (truth["pct_off"] >= MATERIAL_PCT_OFF), "sku"
            ]
        )
        figures = detection_figures(result.items, planted, material)
        sweep = threshold_sweep(result.items, planted, material)
        baseline = baseline_ranking(catalogue, config)
        figures["baseline_precision_at_100"] = _precision(baseline, planted, TOP_N)
        figures["baseline_precision_at_planted"] = _precision(baseline, planted, len(planted))
    figures.update(
        {
            "skus": args.skus,
            "seed": args.seed,
            "model": config.model,
            "interval_method": config.interval_method,
            "flag_threshold": config.flag_threshold,
            "mape": result.model_card["metrics"]["mape"],
            "r2": result.model_card["metrics"]["r2"],
            "seconds": round(seconds, 1),
            "peak_rss_mb": round(peak_rss_mb()),
        }
    )
    _print_summary(figures)
    _print_sweep(sweep)
    figures["threshold_sweep"] = sweep
    print_json_last(figures)


def detection_figures(items: pd.DataFrame, planted: set[str], material: set[str]) -> dict[str, Any]:
    is_planted = items["item_id"].isin(planted).to_numpy()
    is_material = items["item_id"].isin(material).to_numpy()
    clean = ~is_planted
    flagged = items["flagged"].to_numpy()
    inside = ((items["actual"] >= items["lower"]) & (items["actual"] <= items["upper"])).to_numpy()
    by_money = items[flagged].sort_values("at_stake", ascending=False, kind="stable").head(TOP_N)
    by_score = items.sort_values("score", ascending=False, kind="stable")
    return {
        "precision_at_100": _share(by_money["item_id"].isin(planted)),
        "precision_at_planted": _precision(by_score["item_id"], planted, len(planted)),
        "precision_at_100_by_score": _precision(by_score["item_id"], planted, TOP_N),
        "recall": _share(flagged[is_material]),
        "recall_all_planted": _share(flagged[is_planted]),
        "false_flag_rate": _share(flagged[clean]),
        "coverage": _share(inside[clean]),
        "coverage_all": _share(inside),
        "flagged": int(flagged.sum()),
        "planted": int(is_planted.sum()),
        "planted_material": int(is_material.sum()),
    }


def threshold_sweep(
    items: pd.DataFrame, planted: set[str], material: set[str]
) -> list[dict[str, float]]:
    """Recall, false flags and precision@100 had the flag threshold been set elsewhere."""
    rows = []
    for threshold in SWEEP_THRESHOLDS:
        flagged = items.assign(flagged=items["score"] >= threshold)
        figures = detection_figures(flagged, planted, material)
        rows.append(
            {
                "threshold": threshold,
                "precision_at_100": figures["precision_at_100"],
                "recall": figures["recall"],
                "false_flag_rate": figures["false_flag_rate"],
            }
        )
    return rows


def baseline_ranking(catalogue: pd.DataFrame, config: ScoringConfig) -> pd.Series:
    """The naive approach: one fit on every row (the same trees, without the robust screening
    refit), ids ranked by in-sample |log residual|."""
    exclude = [c for c in (config.id_col, config.volume_col, config.group_col) if c]
    spec = infer_features(catalogue, target=config.target, exclude=exclude)
    features = feature_frame(catalogue, spec)
    log_price = np.log(catalogue[config.target].to_numpy(dtype="float64"))
    with threadpool_limits(limits=1, user_api="openmp"):
        naive = replace(MODEL_CANDIDATES[config.model], screen=None)  # one plain fit, no trimming
        model = fit_fair_model(features, log_price, naive, config.seed)
        residual = np.abs(log_price - model.predict(features))
    ids = catalogue[str(config.id_col)].astype(str).to_numpy()
    return pd.Series(ids[np.argsort(-residual, kind="stable")])


def _precision(ranked_ids: pd.Series, planted: set[str], top: int) -> float:
    """Share of planted items among the first ``top`` of a ranking."""
    return _share(ranked_ids.head(top).isin(planted))


def _share(values: Any) -> float:
    array = np.asarray(values, dtype=bool)
    return round(float(array.mean()), 4) if array.size else float("nan")


def _print_summary(figures: dict[str, Any]) -> None:
    print(
        f"Detection on the demo catalogue ({figures['skus']:,} SKUs, seed {figures['seed']}, "
        f"model {figures['model']}, intervals {figures['interval_method']}, "
        f"threshold {figures['flag_threshold']})"
    )
    print(
        f"  scoring took            {figures['seconds']:.1f} s, peak RSS {figures['peak_rss_mb']} MB"
    )
    print(f"  out-of-fold MAPE / R²   {figures['mape']:.4f} / {figures['r2']:.4f}")
    print(
        f"  planted (catalogue)     {figures['planted']} ({figures['planted_material']} ≥ 15 % off)"
    )
    print(f"  flagged                 {figures['flagged']}")
    print(f"  precision@100 (money)   {figures['precision_at_100']:.3f}   target ≥ 0.90")
    print(f"  precision@100 (score)   {figures['precision_at_100_by_score']:.3f}")
    print(
        f"  baseline precision@100  {figures['baseline_precision_at_100']:.3f}   in-sample |residual|"
    )
    print(
        f"  precision@{figures['planted']} (score)  {figures['precision_at_planted']:.3f}   "
        f"baseline {figures['baseline_precision_at_planted']:.3f}"
    )
    print(f"  recall (≥ 15 % off)     {figures['recall']:.3f}   target ≥ 0.80")
    print(f"  recall (all planted)    {figures['recall_all_planted']:.3f}")
    print(f"  false-flag rate         {figures['false_flag_rate']:.4f}  target ≤ 0.01")
    print(f"  coverage (clean items)  {figures['coverage']:.4f}  target 0.88-0.92")


def _print_sweep(sweep: list[dict[str, float]]) -> None:
    print("  threshold  precision@100  recall  false-flag")
    for row in sweep:
        print(
            f"  {row['threshold']:9.2f}  {row['precision_at_100']:13.3f}  {row['recall']:6.3f}"
            f"  {row['false_flag_rate']:10.4f}"
        )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--skus", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--model", choices=sorted(MODEL_CANDIDATES), default=DEFAULT_MODEL)
    parser.add_argument(
        "--interval", choices=sorted(INTERVAL_METHODS), default=DEFAULT_INTERVAL_METHOD
    )
    parser.add_argument("--threshold", type=float, default=DEFAULT_FLAG_THRESHOLD)
    parser.add_argument("--coverage", type=float, default=0.90)
    parser.add_argument("--demo", type=Path, help="reuse (or create and keep) the demo here")
    return parser.parse_args()


if __name__ == "__main__":
    main()
