"""A dataset's column mapping: which column of the analyst's table plays which role.

The mapping travels with every version of a dataset (a refresh keeps it, a re-mapping makes a new
version), so a run can always say exactly how its table was read. Problems with a mapping are
sentences for the analyst, gathered all at once so the Data page can show every one before
anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from dashboard.display import check_currency
from dashboard.errors import InputError

#: The roles a column of an item table can be given, in the order the Data page offers them.
ITEM_ROLES = (
    "feature",
    "target",
    "id",
    "volume",
    "group",
    "segment",
    "prediction",
    "lower",
    "upper",
    "excluded",
)
#: Roles that at most one column may have.
SINGLE_ROLES = ("target", "id", "volume", "group", "prediction", "lower", "upper")
ROLE_LABELS = {
    "feature": "Feature",
    "target": "Price (target)",
    "id": "Item id",
    "volume": "Volume",
    "group": "Group (product line)",
    "segment": "Segment (feature and filter)",
    "prediction": "Predicted fair price",
    "lower": "Prediction lower bound",
    "upper": "Prediction upper bound",
    "excluded": "Excluded",
}
#: The roles of a transactions table's columns.
TRANSACTION_ROLES = ("item", "date", "quantity", "net_price", "scope", "ignored")


@dataclass(frozen=True)
class ColumnMapping:
    """Roles of an item table's columns. Columns not named here are features."""

    target: str
    id: str | None = None
    volume: str | None = None
    group: str | None = None
    segments: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    prediction: str | None = None
    lower: str | None = None
    upper: str | None = None
    # How the dataset reads on screen: its prices' currency (None: the PRICESCOPE_CURRENCY
    # setting) and its own words for columns, as ``(column, label)`` pairs.
    currency: str | None = None
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def uses_given_predictions(self) -> bool:
        return self.prediction is not None

    def single_roles(self) -> dict[str, str | None]:
        return {role: getattr(self, role) for role in SINGLE_ROLES}

    def role_of(self, column: str) -> str:
        for role, name in self.single_roles().items():
            if name == column:
                return role
        if column in self.segments:
            return "segment"
        if column in self.excluded:
            return "excluded"
        return "feature"

    def roles(self, columns: Sequence[str]) -> dict[str, str]:
        return {column: self.role_of(column) for column in columns}

    def problems(self, columns: Sequence[str]) -> list[str]:
        """Every way this mapping does not fit a table with ``columns``, one sentence each."""
        known = set(columns)
        found: list[str] = []
        named: dict[str, list[str]] = {}
        for role, name in self.single_roles().items():
            if name is not None:
                named.setdefault(name, []).append(ROLE_LABELS[role].lower())
        for name in (*self.segments, *self.excluded):
            named.setdefault(name, []).append(
                "segment" if name in self.segments else "excluded column"
            )
        for name, roles in named.items():
            if name not in known:
                found.append(f"There is no column '{name}' for the {roles[0]}.")
            elif len(roles) > 1:
                found.append(
                    f"The column '{name}' is given two roles ({' and '.join(roles)}); "
                    "each column has one role."
                )
        if (self.lower is None) != (self.upper is None):
            found.append("Give both the lower and the upper bound of the predictions, or neither.")
        if self.lower is not None and self.prediction is None:
            found.append("Prediction bounds need the predicted fair price column too.")
        if self.currency is not None:
            try:
                check_currency(self.currency)
            except InputError as error:
                found.append(str(error))
        for column, label in self.labels:
            if column not in known:
                found.append(f"There is no column '{column}' to name '{label}'.")
        return found

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_roles(cls, roles: Mapping[str, str]) -> ColumnMapping:
        """From ``{column: role}`` as the Data page edits it; InputError when it cannot be one."""
        by_role: dict[str, list[str]] = {}
        for column, role in roles.items():
            if role not in ITEM_ROLES:
                raise InputError(
                    f"'{role}' is not a column role; use one of {', '.join(ITEM_ROLES)}."
                )
            by_role.setdefault(role, []).append(column)
        for role in SINGLE_ROLES:
            if len(by_role.get(role, ())) > 1:
                names = ", ".join(f"'{c}'" for c in by_role[role])
                raise InputError(
                    f"Only one column can be the {ROLE_LABELS[role].lower()}, but {names} are."
                )
        targets = by_role.get("target", [])
        if not targets:
            raise InputError("Choose the column that holds the price (the target).")

        def one(role: str) -> str | None:
            names = by_role.get(role, [])
            return names[0] if names else None

        return cls(
            target=targets[0],
            id=one("id"),
            volume=one("volume"),
            group=one("group"),
            segments=tuple(by_role.get("segment", ())),
            excluded=tuple(by_role.get("excluded", ())),
            prediction=one("prediction"),
            lower=one("lower"),
            upper=one("upper"),
        )

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ColumnMapping:
        return cls(
            target=str(raw["target"]),
            id=raw.get("id"),
            volume=raw.get("volume"),
            group=raw.get("group"),
            segments=tuple(raw.get("segments", ())),
            excluded=tuple(raw.get("excluded", ())),
            prediction=raw.get("prediction"),
            lower=raw.get("lower"),
            upper=raw.get("upper"),
            currency=raw.get("currency") or None,
            labels=tuple((str(c), str(label)) for c, label in raw.get("labels", ()) or ()),
        )


@dataclass(frozen=True)
class TransactionMapping:
    """Roles of a transactions table's columns: one row per order line."""

    item: str
    date: str
    quantity: str
    net_price: str
    scope: tuple[str, ...] = field(default_factory=tuple)

    def problems(self, columns: Sequence[str]) -> list[str]:
        known = set(columns)
        found: list[str] = []
        roles = {
            "item id": self.item,
            "date": self.date,
            "quantity": self.quantity,
            "net price": self.net_price,
        }
        seen: dict[str, str] = {}
        for role, name in [*roles.items(), *(("scope", s) for s in self.scope)]:
            if name not in known:
                found.append(f"The transactions have no column '{name}' for the {role}.")
            elif name in seen:
                found.append(
                    f"The transactions' column '{name}' is given two roles "
                    f"({seen[name]} and {role}); each column has one role."
                )
            seen.setdefault(name, role)
        return found

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> TransactionMapping:
        return cls(
            item=str(raw["item"]),
            date=str(raw["date"]),
            quantity=str(raw["quantity"]),
            net_price=str(raw["net_price"]),
            scope=tuple(raw.get("scope", ())),
        )
