"""Progress reporting and cancellation for long jobs (demo generation, scoring, recompute).

A job reports through a hook ``progress(stage, fraction)`` where ``stage`` is a short human label
("fitting fold 3/5") and ``fraction`` the overall completion in [0, 1]. The hook may raise
:class:`Cancelled` to stop the job; jobs call it between stages, so a cancel takes effect at the
next stage boundary and leaves nothing published.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol

logger = logging.getLogger(__name__)


class Cancelled(Exception):  # noqa: N818 - reads naturally at the raise site
    """The job was asked to stop."""


class ProgressHook(Protocol):
    def __call__(self, stage: str, fraction: float) -> None: ...


def no_progress(stage: str, fraction: float) -> None:
    """The hook used when nobody is watching."""


def scaled(hook: ProgressHook, start: float, end: float) -> ProgressHook:
    """A hook for a sub-job that maps its own 0..1 onto ``start..end`` of the parent's."""

    def report(stage: str, fraction: float) -> None:
        hook(stage, start + (end - start) * min(max(fraction, 0.0), 1.0))

    return report


@dataclass
class CancelFlag:
    """A hook wrapper that raises :class:`Cancelled` once ``should_stop()`` returns true."""

    inner: ProgressHook
    should_stop: Callable[[], bool]

    def __call__(self, stage: str, fraction: float) -> None:
        if self.should_stop():
            raise Cancelled(f"cancelled during {stage!r}")
        self.inner(stage, fraction)


@dataclass
class ConsoleProgress:
    """A console progress bar with the stage name, for first start and the CLI."""

    title: str
    _bar: object | None = field(default=None, init=False)
    _started: float = field(default_factory=time.perf_counter, init=False)

    def __enter__(self) -> ConsoleProgress:
        return self

    def __call__(self, stage: str, fraction: float) -> None:
        # The bar appears with the first report, so a job that fails its input checks first
        # prints its error alone, not under an empty bar.
        bar = self._bar or self._start()
        if bar is None:
            logger.info("%s: %s (%.0f%%)", self.title, stage, 100 * fraction)
            return
        target = round(100 * min(max(fraction, 0.0), 1.0))
        bar.set_postfix_str(stage, refresh=False)  # type: ignore[attr-defined]
        bar.update(max(target - bar.n, 0))  # type: ignore[attr-defined]
        bar.refresh()  # type: ignore[attr-defined]

    def _start(self) -> object | None:
        from tqdm import tqdm

        self._bar = tqdm(
            total=100,
            desc=self.title,
            bar_format="{desc}: {percentage:3.0f}%|{bar:30}| {elapsed}{postfix}",
            leave=True,
        )
        return self._bar

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.close()  # type: ignore[attr-defined]
