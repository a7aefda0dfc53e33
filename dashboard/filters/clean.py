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
    """Collects the sentences shown to the user; keeps the first few and counts the rest.

    A sentence about one field (``field``: a :class:`FilterState` field name) is also remembered
    by field, so the page can show it next to that field's control.
    """

    def __init__(self) -> None:
        self._sentences: list[str] = []
        self._dropped = 0
        self._by_field: dict[str, str] = {}

    def add(self, sentence: str, field: str | None = None) -> None:
        if field is not None and field not in self._by_field:
            self._by_field[field] = sentence
        if sentence in self._sentences:
            return
        if len(self._sentences) < MAX_PROBLEMS:
            self._sentences.append(sentence)
        else:
            self._dropped += 1

    def by_field(self) -> tuple[tuple[str, str], ...]:
        """``(field, sentence)`` for each field that had a problem, the first sentence only."""
        return tuple(self._by_field.items())

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


def as_float(
    value: object, what: str, problems: Problems, field: str | None = None
) -> float | None:
    """A finite float from a number or a numeric string; ``None`` (and no problem) for empty.

    Text may use a decimal comma (``0,5``) and spaces or a thousands mark (``1 250,5``,
    ``1,250.50``); what cannot be read as one number is refused with a sentence, never guessed.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        problems.add(f"{what} must be a number; {shown(value)} was ignored.", field)
        return None
    try:
        number = float(_decimal_text(value, what) if isinstance(value, str) else value)
    except _AmbiguousNumberError as ambiguous:
        problems.add(str(ambiguous), field)
        return None
    except (ValueError, OverflowError):
        problems.add(f"{what} must be a number; {shown(value)} was ignored.", field)
        return None
    if not math.isfinite(number):
        problems.add(f"{what} must be a finite number; {shown(value)} was ignored.", field)
        return None
    return number + 0.0  # turns -0.0 into 0.0 so equal states print equally


class _AmbiguousNumberError(ValueError):
    """A number whose comma could be a decimal comma or a thousands mark."""


# Thousands marks in groups of three: "1,250,000", "1.250.000", "1 250 000".
_GROUPED = re.compile(r"^[+-]?\d{1,3}([,. ]\d{3})+$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def _decimal_text(text: str, what: str) -> str:
    """Numeric text as Python reads it: a decimal comma becomes a point, thousands marks go.

    The mark that comes last is the decimal one when both appear ("1.250,50", "1,250.50"). A lone
    comma followed by exactly three digits ("1,250") means 1250 to some and 1.25 to others, so it
    is refused with a sentence rather than guessed.
    """
    compact = _SPACES.sub("", text.strip())
    if "," in compact and "." in compact:
        decimal = "," if compact.rfind(",") > compact.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        return compact.replace(thousands, "").replace(decimal, ".")
    if compact.count(",") > 1 or compact.count(".") > 1:
        if _GROUPED.match(compact):
            return compact.replace(",", "").replace(".", "")
        return compact  # float() refuses it: "must be a number"
    if "," in compact:
        whole, _, fraction = compact.partition(",")
        if len(fraction) == 3 and whole.lstrip("+-").isdigit() and whole.lstrip("+-") != "0":
            raise _AmbiguousNumberError(
                f"{what} {shown(text.strip())} could mean {whole}{fraction} or {whole}.{fraction}; "
                "write it without the comma, or with a point. It was ignored."
            )
        return compact.replace(",", ".")
    return compact


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
