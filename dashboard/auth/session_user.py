"""The signed-in user as the session records them, for when the database cannot be reached.

Every request looks its user up in the database, so a disabled user or a changed role takes effect
at once. While the database is down that lookup cannot answer; rather than refuse everyone, the app
serves the pages that need no write to the user the session recorded at the last lookup that
worked (read-only mode). The record is rewritten whenever the database answers, so it never holds
more than the database last granted, and it is dropped with the user's access when the database
says they are disabled or gone.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from flask_login import UserMixin

from dashboard.auth.roles import Role
from dashboard.auth.users import User

SESSION_USER_KEY = "pricescope_user"


@dataclass(frozen=True)
class SessionUser(UserMixin):
    """A user known only from the session: the database could not be asked."""

    id: int
    name: str
    role: Role
    active: bool = True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)


def remember_user(session: MutableMapping[str, Any], user: User) -> None:
    """Records what read-only mode needs of ``user``; the session is written only on a change."""
    record = {"id": user.id, "name": user.name, "role": user.role.value}
    if session.get(SESSION_USER_KEY) != record:
        session[SESSION_USER_KEY] = record


def forget_user(session: MutableMapping[str, Any]) -> None:
    session.pop(SESSION_USER_KEY, None)


def recorded_user(session: MutableMapping[str, Any], user_id: str) -> SessionUser | None:
    """The user the session recorded, if it is the one signed in (``user_id``) and well formed."""
    record = session.get(SESSION_USER_KEY)
    if not isinstance(record, dict) or str(record.get("id")) != str(user_id):
        return None
    name, role = record.get("name"), record.get("role")
    if not isinstance(name, str) or not name or role not in {r.value for r in Role}:
        return None
    try:
        return SessionUser(id=int(str(record["id"])), name=name, role=Role(role))
    except ValueError:
        return None
