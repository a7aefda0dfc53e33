"""The demo catalogue as a dataset like any other: "Demo tyre catalogue", key ``demo``.

Its version holds the generated catalogue and transactions (hard links where the file system
allows, copies otherwise), with the roles the generator wrote in its manifest. A data directory
that predates datasets gets the dataset on its next start, from the demo files already there.
"""

from __future__ import annotations

import json
import logging

from dashboard.config import Settings
from dashboard.datasets.mapping import ColumnMapping, TransactionMapping
from dashboard.datasets.store import DEMO_NAME, DatasetStore, DatasetVersion
from dashboard.demo import demo_exists, demo_paths
from dashboard.runs import DEMO_DATASET

logger = logging.getLogger(__name__)

#: The demo transactions' columns, by role.
DEMO_TRANSACTIONS = TransactionMapping(
    item="sku",
    date="date",
    quantity="quantity",
    net_price="net_price",
    scope=("region", "customer_segment", "channel"),
)


def demo_version(settings: Settings) -> DatasetVersion | None:
    """The demo dataset's version for the demo data on disk now, registering it if needed.

    ``None`` when there is no complete demo. A regenerated demo (a new ``data_version``) becomes a
    new version; the same data is never registered twice.
    """
    root = settings.demo_dir
    if not demo_exists(root):
        return None
    paths = demo_paths(root)
    manifest = json.loads(paths.manifest.read_text(encoding="utf-8"))
    data_version = str(manifest["data_version"])
    store = DatasetStore(settings.datasets_dir)
    info = store.get(DEMO_DATASET) if store.exists(DEMO_DATASET) else None
    if info is None:
        info = store.create(DEMO_NAME, created_by="PriceScope")
    source = f"demo data {data_version}"
    for version in reversed(info.versions):
        if version.source == source:
            return version
    roles = manifest["roles"]
    mapping = ColumnMapping(
        target=roles["target"],
        id=roles.get("id"),
        volume=roles.get("volume"),
        group=roles.get("group"),
    )
    version = store.add_version(
        DEMO_DATASET,
        paths.catalogue,
        mapping,
        created_by="PriceScope",
        source=source,
        transactions=paths.transactions,
        transaction_mapping=DEMO_TRANSACTIONS,
    )
    logger.info("registered the demo data %s as dataset version %s", data_version, version.label)
    return version
