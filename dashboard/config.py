"""Settings from the environment, read once at start-up.

The defaults are the newcomer's: demo data, files under ``data/``, bound to loopback. Anything malformed
in the environment stops start-up with a message that names the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from dashboard.display import check_currency
from dashboard.errors import InputError
from dashboard.logs import log_format_from_env

REPO_ROOT = Path(__file__).resolve().parent.parent
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MIN_SECRET_KEY_CHARS = 32


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    host: str = "127.0.0.1"
    port: int = 8050
    data_dir: Path = REPO_ROOT / "data"
    demo_skus: int = 50_000
    demo_transactions: int = 2_000_000
    demo_seed: int = 7
    auto_demo: bool = True
    redis_url: str | None = None
    # A recompute job is stopped (and shown as failed) after this many seconds.
    job_time_limit: int = 900
    # A running job whose heartbeat is older than this is interrupted (its worker is gone); the
    # reaper looks every ``job_reaper_interval_s`` seconds, in every web process and worker.
    job_stale_after_s: float = 20.0
    job_reaper_interval_s: float = 10.0
    secret_key: str | None = None
    database_url: str | None = None
    # Limits on what an analyst may upload as a dataset (the Data page, the datasets CLI).
    max_upload_mb: int = 200
    max_upload_rows: int = 2_000_000
    max_upload_columns: int = 300
    # The currency of money figures for runs whose dataset names none (a dataset's mapping may).
    currency: str = "EUR"
    # A new price is "extreme" (needs a confirmation and a note) when it moves more than this share
    # of the current price AND lies outside [interval low / factor, interval high × factor].
    reprice_max_change: float = 0.30
    reprice_interval_factor: float = 2.0
    # Where runs live (PRICESCOPE_RUNS_URL): by default ``<data_dir>/runs``. Web and job workers on
    # different hosts must all name the same shared location.
    runs_url: str | None = None
    # PRICESCOPE_LOG_FORMAT: "text" for a console, "json" (one object per line) for log platforms.
    log_format: str = "text"

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def sign_in_required(self) -> bool:
        """Production, or reachable from other machines: then nobody gets in without signing in."""
        return self.production or self.host not in LOOPBACK_HOSTS

    @property
    def database(self) -> str:
        """``DATABASE_URL``, else a SQLite file under the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'pricescope.db'}"

    def serving_problem(self) -> str | None:
        """Why this configuration must not serve (one sentence), or ``None``: fail closed."""
        if not self.sign_in_required:
            return None
        why = "Production mode" if self.production else f"HOST={self.host} (not loopback)"
        if not self.secret_key:
            return (
                f"{why} requires sign-in, which needs SECRET_KEY: set it to a long random "
                "string, e.g. the output of: python -c 'import secrets; print(secrets.token_hex(32))'."
            )
        if len(self.secret_key) < MIN_SECRET_KEY_CHARS:
            return f"SECRET_KEY must be at least {MIN_SECRET_KEY_CHARS} characters long."
        return None

    @property
    def demo_dir(self) -> Path:
        return self.data_dir / "demo"

    @property
    def runs_dir(self) -> Path:
        return Path(self.runs_url).expanduser() if self.runs_url else self.data_dir / "runs"

    @property
    def datasets_dir(self) -> Path:
        return self.data_dir / "datasets"

    @property
    def uploads_dir(self) -> Path:
        """Uploads in progress and awaiting a mapping; a finished dataset version moves out."""
        return self.data_dir / "uploads"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def jobs_dir(self) -> Path:
        """Where job records were files before they moved into the database: imported once."""
        return self.data_dir / "jobs"

    def with_data_dir(self, data_dir: Path) -> Settings:
        return replace(self, data_dir=data_dir)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, serving: bool = True
    ) -> Settings:
        """Settings from the environment; with ``serving`` (the default) a configuration that must
        not serve (see :meth:`serving_problem`) is an :class:`InputError`."""
        settings = cls._read_env(os.environ if environ is None else environ)
        problem = settings.serving_problem() if serving else None
        if problem:
            raise InputError(problem)
        return settings

    @classmethod
    def _read_env(cls, env: Mapping[str, str]) -> Settings:
        mode = env.get("PRICESCOPE_ENV", "development").strip().lower()
        if mode not in {"development", "production"}:
            raise InputError(f"PRICESCOPE_ENV must be 'development' or 'production', not {mode!r}.")
        return cls(
            env=mode,
            host=env.get("HOST", cls.host).strip() or cls.host,
            port=_int_var(env, "PORT", cls.port, low=1, high=65_535),
            data_dir=Path(env.get("PRICESCOPE_DATA_DIR", str(cls.data_dir))).expanduser(),
            demo_skus=_int_var(env, "PRICESCOPE_DEMO_SKUS", cls.demo_skus, low=500, high=5_000_000),
            demo_transactions=_int_var(
                env,
                "PRICESCOPE_DEMO_TRANSACTIONS",
                cls.demo_transactions,
                low=1_000,
                high=50_000_000,
            ),
            demo_seed=_int_var(env, "PRICESCOPE_DEMO_SEED", cls.demo_seed, low=0, high=2**31 - 1),
            auto_demo=_bool_var(env, "PRICESCOPE_AUTO_DEMO", cls.auto_demo),
            redis_url=env.get("REDIS_URL", "").strip() or None,
            secret_key=env.get("SECRET_KEY", "").strip() or None,
            database_url=env.get("DATABASE_URL", "").strip() or None,
            max_upload_mb=_int_var(
                env, "PRICESCOPE_MAX_UPLOAD_MB", cls.max_upload_mb, low=1, high=10_000
            ),
            max_upload_rows=_int_var(
                env, "PRICESCOPE_MAX_UPLOAD_ROWS", cls.max_upload_rows, low=100, high=50_000_000
            ),
            max_upload_columns=_int_var(
                env, "PRICESCOPE_MAX_UPLOAD_COLUMNS", cls.max_upload_columns, low=2, high=5_000
            ),
            job_time_limit=_int_var(
                env, "PRICESCOPE_JOB_TIME_LIMIT", cls.job_time_limit, low=10, high=86_400
            ),
            job_stale_after_s=_float_var(
                env, "PRICESCOPE_JOB_STALE_S", cls.job_stale_after_s, low=2.0, high=3_600.0
            ),
            job_reaper_interval_s=_float_var(
                env, "PRICESCOPE_REAPER_INTERVAL_S", cls.job_reaper_interval_s, low=0.2, high=600.0
            ),
            currency=_currency_var(env),
            runs_url=env.get("PRICESCOPE_RUNS_URL", "").strip() or None,
            log_format=log_format_from_env(env.get("PRICESCOPE_LOG_FORMAT", "")),
            reprice_max_change=_float_var(
                env, "PRICESCOPE_REPRICE_MAX_CHANGE", cls.reprice_max_change, low=0.01, high=10.0
            ),
            reprice_interval_factor=_float_var(
                env,
                "PRICESCOPE_REPRICE_INTERVAL_FACTOR",
                cls.reprice_interval_factor,
                low=1.0,
                high=100.0,
            ),
        )


def _currency_var(env: Mapping[str, str]) -> str:
    from_env = env.get("PRICESCOPE_CURRENCY", "").strip()
    if not from_env:
        return Settings.currency
    try:
        return check_currency(from_env)
    except InputError as error:
        raise InputError(f"PRICESCOPE_CURRENCY: {error}") from None


def _int_var(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip().replace("_", ""))
    except ValueError:
        raise InputError(f"{name} must be a whole number, not {raw!r}.") from None
    if not low <= value <= high:
        raise InputError(f"{name} must be between {low:,} and {high:,}, not {value:,}.")
    return value


def _float_var(
    env: Mapping[str, str], name: str, default: float, *, low: float, high: float
) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw.strip().replace(",", "."))
    except ValueError:
        raise InputError(f"{name} must be a number such as {default}, not {raw!r}.") from None
    if not low <= value <= high:  # also refuses nan
        raise InputError(f"{name} must be between {low:g} and {high:g}, not {value:g}.")
    return value


def _bool_var(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise InputError(f"{name} must be true or false, not {raw!r}.")
