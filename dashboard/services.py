"""What the app's pages and callbacks are handed: settings and the stores they read from."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.config import Settings
from dashboard.runs import RunStore


@dataclass(frozen=True)
class Services:
    settings: Settings
    runs: RunStore

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        return cls(settings=settings, runs=RunStore(settings.runs_dir))
