"""The three roles and what each may do: viewers read, analysts review and run jobs, admins manage users."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    ADMIN = "admin"


# Each role may do everything the roles before it may.
_RANK = {Role.VIEWER: 0, Role.ANALYST: 1, Role.ADMIN: 2}


def parse_role(raw: object) -> Role:
    """The role named by ``raw`` (case-insensitive); anything else is an ``InputError``."""
    from dashboard.errors import InputError

    if isinstance(raw, str):
        try:
            return Role(raw.strip().lower())
        except ValueError:
            pass
    names = ", ".join(r.value for r in Role)
    raise InputError(f"A role must be one of {names}, not {raw!r}.")


def allows(role: Role, needed: Role) -> bool:
    return _RANK[role] >= _RANK[needed]
