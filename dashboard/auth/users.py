"""Users in the database: add, list, change role, disable, and check a password.

Passwords are stored only as werkzeug's salted scrypt hashes. A name is 1–64 letters, digits, dots,
dashes, underscores or ``@``; a password at least :data:`MIN_PASSWORD_CHARS` characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.auth.roles import Role, parse_role
from dashboard.db import Database, users, utc_now
from dashboard.errors import InputError

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1_024
_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
# Checked against when the user does not exist, so a wrong name costs the same time as a wrong
# password and response times do not reveal which names exist.
_DUMMY_HASH = generate_password_hash("not a real password, only for timing")


@dataclass(frozen=True)
class User(UserMixin):
    id: int
    name: str
    role: Role
    active: bool
    created_at: datetime

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return str(self.id)


def check_name(raw: object) -> str:
    if not isinstance(raw, str) or not _NAME.match(raw.strip()):
        raise InputError(
            f"A user name is 1–64 letters, digits, dots, dashes, underscores or @, not {raw!r}."
        )
    return raw.strip()


def check_password(raw: object) -> str:
    if not isinstance(raw, str) or len(raw) < MIN_PASSWORD_CHARS:
        raise InputError(f"A password needs at least {MIN_PASSWORD_CHARS} characters.")
    if len(raw) > MAX_PASSWORD_CHARS:
        raise InputError(f"A password has at most {MAX_PASSWORD_CHARS} characters.")
    return raw


class UserStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, name: str, password: str, role: Role | str) -> User:
        name, password, chosen = check_name(name), check_password(password), parse_role(role)
        now = utc_now()
        with self.database.write() as connection:
            if connection.scalar(select(users.c.id).where(users.c.name == name)) is not None:
                raise InputError(f"There is already a user {name!r}.")
            connection.execute(
                insert(users).values(
                    name=name,
                    password_hash=generate_password_hash(password),
                    role=chosen.value,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
        found = self.by_name(name)
        assert found is not None
        return found

    def list(self) -> list[User]:
        with self.database.read() as connection:
            rows = connection.execute(select(users).order_by(users.c.name)).mappings().all()
        return [_user(row) for row in rows]

    def by_name(self, name: str) -> User | None:
        with self.database.read() as connection:
            row = connection.execute(select(users).where(users.c.name == name)).mappings().first()
        return _user(row) if row else None

    def by_id(self, raw_id: object) -> User | None:
        try:
            user_id = int(str(raw_id))
        except ValueError:
            return None
        with self.database.read() as connection:
            row = connection.execute(select(users).where(users.c.id == user_id)).mappings().first()
        return _user(row) if row else None

    def set_role(self, name: str, role: Role | str) -> User:
        return self._change(name, role=parse_role(role).value)

    def disable(self, name: str) -> User:
        return self._change(name, active=False)

    def set_password(self, name: str, password: str) -> User:
        return self._change(name, password_hash=generate_password_hash(check_password(password)))

    def authenticate(self, name: str, password: str) -> User | None:
        """The active user with this name and password, else ``None`` (same cost either way)."""
        with self.database.read() as connection:
            row = connection.execute(select(users).where(users.c.name == name)).mappings().first()
        stored = str(row["password_hash"]) if row else _DUMMY_HASH
        matches = check_password_hash(stored, password)
        if row is None or not matches or not row["active"]:
            return None
        return _user(row)

    def count(self) -> int:
        with self.database.read() as connection:
            return int(connection.scalar(select(func.count()).select_from(users)) or 0)

    def _change(self, name: str, **values: object) -> User:
        with self.database.write() as connection:
            changed = connection.execute(
                update(users).where(users.c.name == name).values(**values, updated_at=utc_now())
            ).rowcount
        if not changed:
            raise InputError(f"There is no user {name!r}.")
        found = self.by_name(name)
        assert found is not None
        return found


def _user(row: RowMapping) -> User:
    return User(
        id=int(row["id"]),
        name=str(row["name"]),
        role=Role(row["role"]),
        active=bool(row["active"]),
        created_at=row["created_at"],
    )
