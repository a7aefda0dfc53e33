"""Benchmark: generate the demo data set into a temporary directory and report time and memory.

    python bench/generation.py [--skus 50000] [--transactions 2000000] [--months 24] [--seed 7]

Prints a readable summary, then (last line) one JSON object with ``seconds``, ``peak_rss_mb``,
``skus``, ``transactions`` and ``planted``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    from dashboard.demo import generate_demo

    with tempfile.TemporaryDirectory(prefix="pricescope-bench-") as scratch:
        started = time.perf_counter()
        paths = generate_demo(
            Path(scratch) / "demo",
            n_skus=args.skus,
            n_transactions=args.transactions,
            months=args.months,
            seed=args.seed,
        )
        seconds = time.perf_counter() - started
        manifest = json.loads(paths.manifest.read_text(encoding="utf-8"))
        files_mb = {
            name: round(getattr(paths, name).stat().st_size / 2**20, 1)
            for name in ("catalogue", "transactions", "ground_truth")
        }
    # ru_maxrss is in kilobytes on Linux: the whole process, imports included.
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures: dict[str, Any] = {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "skus": args.skus,
        "transactions": args.transactions,
        "months": args.months,
        "planted": manifest["planted"]["total"],
        "planted_catalogue": manifest["planted"]["catalogue"],
        "planted_region": manifest["planted"]["region"],
        "files_mb": files_mb,
    }
    _print_summary(figures, manifest)
    print(json.dumps(figures))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Time one full demo generation.")
    parser.add_argument("--skus", type=int, default=50_000)
    parser.add_argument("--transactions", type=int, default=2_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    return parser


def _print_summary(figures: dict[str, Any], manifest: dict[str, Any]) -> None:
    planted = manifest["planted"]
    print(
        f"Generated {figures['skus']:,} SKUs and {figures['transactions']:,} order lines "
        f"over {figures['months']} months ({manifest['date_range']['start']} to "
        f"{manifest['date_range']['end']})"
    )
    print(f"  wall time      {figures['seconds']:.1f} s")
    print(f"  peak RSS       {figures['peak_rss_mb']:.0f} MB")
    print(
        f"  planted        {planted['total']:,} ({planted['catalogue']:,} in the catalogue: "
        f"{planted['single']:,} single, {planted['brand_clusters']} brand clusters; "
        f"{planted['region']:,} in {planted['region_clusters']} region clusters)"
    )
    sizes = ", ".join(f"{name} {mb} MB" for name, mb in figures["files_mb"].items())
    print(f"  files          {sizes}")


if __name__ == "__main__":
    raise SystemExit(main())
