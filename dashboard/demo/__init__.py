"""The demo data set: a tyre distributor's catalogue and sales with mispricings we planted.

``generate_demo`` writes ``catalogue.parquet``, ``transactions.parquet``, ``ground_truth.parquet``
and ``manifest.json`` under a root directory, atomically. Same seed and sizes, same data.
"""

from dashboard.demo.generate import generate_demo
from dashboard.demo.paths import DemoPaths, demo_exists, demo_paths

__all__ = ["DemoPaths", "demo_exists", "demo_paths", "generate_demo"]
