"""What the app's pages and callbacks are handed: settings, the stores they read, the shared caches."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_caching import Cache

from dashboard.config import Settings
from dashboard.explain.comparables import SimilarityIndexes
from dashboard.jobs.choices import ScopeCatalogue
from dashboard.query.explorer import ExplorerIndexes
from dashboard.reviews.service import Reviewing
from dashboard.runs import RunStore, run_store


def result_cache(settings: Settings) -> Cache:
    """flask-caching for query results, shared by every worker process and background job.

    A file-system cache under the data directory by default; Redis when ``REDIS_URL`` is set. A
    per-process ``SimpleCache`` would be shared neither across gunicorn workers nor with jobs.
    """
    config: dict[str, object]
    if settings.redis_url:
        config = {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": settings.redis_url,
            "CACHE_KEY_PREFIX": "pricescope:",
        }
    else:
        directory = settings.cache_dir / "results"
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        config = {
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(directory),
            "CACHE_THRESHOLD": 5_000,
        }
    return Cache(config={**config, "CACHE_DEFAULT_TIMEOUT": 3_600})


@dataclass(frozen=True)
class Services:
    settings: Settings
    runs: RunStore
    # Users, review decisions and flag history (the SQL database).
    reviewing: Reviewing
    results: Cache | None = None
    explorer_indexes: ExplorerIndexes = field(default_factory=ExplorerIndexes)
    similarity: SimilarityIndexes = field(default_factory=SimilarityIndexes)
    scopes: ScopeCatalogue = field(default_factory=ScopeCatalogue)  # the Jobs page's choices

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        runs = run_store(settings)
        reviewing = Reviewing.open(settings, runs)
        return cls(
            settings=settings,
            runs=runs,
            results=result_cache(settings),
            explorer_indexes=ExplorerIndexes(decisions=reviewing.decision_source),
            reviewing=reviewing,
        )
