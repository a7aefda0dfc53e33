"""Small, total conversions of hostile JSON-shaped values, each reporting what it rejected.

Everything here takes ``object`` (whatever a client sent) and returns either a clean value or
``None`` plus a sentence in :class:`Problems`; nothing here raises.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np

from dashboard.filters.state import MISSING

MAX_TEXT = 200
MAX_PROBLEMS = 12
# Control characters and lone surrogates: never useful in a filter, and surrogates cannot be encoded.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class Problems:
    """Collects the sentences shown to the user; keeps the first few and counts the rest."""

    def __init__(self) -> None:
        self._sentences: list[str] = []
        self._dropped = 0

    def add(self, sentence: str) -> None:
        if sentence in self._sentences:
            return
        if len(self._sentences) < MAX_PROBLEMS:
            self._sentences.append(sentence)
        else:
            self._dropped += 1

    def extend(self, sentences: Sequence[str]) -> None:
        for sentence in sentences:
            self.add(sentence)

    def result(self) -> tuple[str, ...]:
        if self._dropped:
            return (*self._sentences, f"{self._dropped} further problems were ignored.")
        return tuple(self._sentences)


def shown(value: object) -> str:
    """A short, safe rendering of a rejected value for a message."""
    if isinstance(value, str):
        text = clean_text(value)
        return repr(text if len(text) <= 40 else text[:37] + "...")
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "an empty value"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def clean_text(text: str) -> str:
    return _UNPRINTABLE.sub("", text)


def as_float(value: object, what: str, problems: Problems) -> float | None:
    """A finite float from a number or a numeric string; ``None`` (and no problem) for empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        problems.add(f"{what} must be a number; {shown(value)} was ignored.")
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        problems.add(f"{what} must be a number; {shown(value)} was ignored.")
        return None
    if not math.isfinite(number):
        problems.add(f"{what} must be a finite number; {shown(value)} was ignored.")
        return None
    return number + 0.0  # turns -0.0 into 0.0 so equal states print equally


def as_bool(value: object, what: str, problems: Problems) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in (
        "1",
        "true",
        "yes",
        "on",
        "0",
        "false",
        "no",
        "off",
        "",
    ):
        return value.strip().lower() in ("1", "true", "yes", "on")
    problems.add(f"{what} must be yes or no; {shown(value)} was ignored.")
    return False


def as_text(value: object, what: str, problems: Problems, *, limit: int = MAX_TEXT) -> str | None:
    """Trimmed printable text; numbers are accepted as their decimal spelling."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        problems.add(f"{what} must be text; {shown(value)} was ignored.")
        return None
    if isinstance(value, float) and not math.isfinite(value):
        problems.add(f"{what} must be text; {shown(value)} was ignored.")
        return None
    text = clean_text(value if isinstance(value, str) else _number_text(value)).strip()
    if len(text) > limit:
        problems.add(f"{what} is limited to {limit} characters; the rest was cut off.")
        text = text[:limit].strip()
    return text or None


def as_list(value: object) -> list[object]:
    """A list from a list/tuple; a single scalar becomes a one-item list; anything else, empty."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str | int | float | bool):
        return [value]
    return []


def segment_label(value: object) -> str:
    """How a segment value reads in filters, chips, the URL and the run's index, the one rule for
    both sides: ``17`` and ``17.0`` read ``"17"``, ``True`` reads ``"True"``, ``None`` is missing.

    The run's values (numpy scalars included) and the values a client sends go through this same
    function, so a value read from the data always matches the same value sent back.
    """
    if value is None:
        return MISSING
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return _number_text(float(value))
    return clean_text(str(value))


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)
