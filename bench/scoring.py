"""Time and memory of one full scoring of the demo catalogue.

    python bench/scoring.py [--skus 50000] [--seed 7] [--demo DIR]

The demo is generated in a child process, so the peak RSS reported is this process's: reading
the catalogue plus scoring it. The last line is one JSON object (``seconds``, ``peak_rss_mb``...).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# Run as a script (python bench/NAME.py): make the repository's packages importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import demo_catalogue, demo_config, peak_rss_mb, print_json_last

from dashboard.scoring import score_table


class StageClock:
    """A progress hook that records when each stage was first reported."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first_seen: dict[str, float] = {}

    def __call__(self, stage: str, fraction: float) -> None:
        self.first_seen.setdefault(_stage_family(stage), time.perf_counter() - self.started)

    def durations(self, total: float) -> dict[str, float]:
        marks = sorted(self.first_seen.items(), key=lambda item: item[1])
        ends = [at for _, at in marks[1:]] + [total]
        return {stage: round(end - at, 2) for (stage, at), end in zip(marks, ends, strict=True)}


def _stage_family(stage: str) -> str:
    return "fitting folds" if stage.startswith("fitting fold") else stage


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--skus", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--demo", type=Path, help="reuse (or create and keep) the demo here")
    args = parser.parse_args()
    with demo_catalogue(args.skus, args.seed, reuse=args.demo) as (catalogue, _truth):
        rss_before = peak_rss_mb()
        clock = StageClock()
        started = time.perf_counter()
        result = score_table(catalogue, demo_config(), progress=clock)
        seconds = time.perf_counter() - started
    figures = {
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_rss_mb()),
        "rss_before_scoring_mb": round(rss_before),
        "rows": len(result.items),
        "features": len(result.features.used),
        "stages": clock.durations(seconds),
        "model": result.model_card["model"]["candidate"],
        "mape": result.model_card["metrics"]["mape"],
    }
    print(f"Scoring the demo catalogue: {figures['rows']:,} rows, {figures['features']} features")
    print(f"  wall time       {figures['seconds']:.1f} s   budget ≤ 60 s")
    print(f"  peak RSS        {figures['peak_rss_mb']} MB   budget ≤ 2048 MB")
    print(
        f"  (before scoring {figures['rss_before_scoring_mb']} MB: interpreter, libraries, table)"
    )
    for stage, stage_seconds in figures["stages"].items():
        print(f"  {stage:<16}{stage_seconds:6.1f} s")
    print_json_last(figures)


if __name__ == "__main__":
    main()
