"""``python -m dashboard users …``: add users, list them, change a role, disable an account.

The password is never an argument (it would sit in the shell history and the process list): it is
asked for twice at a terminal, or read as one line from standard input when that is not a terminal
(``printf '%s\\n' "$PASSWORD" | python -m dashboard users add ann --role analyst``).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from dashboard.auth.roles import Role
from dashboard.auth.users import UserStore
from dashboard.config import Settings
from dashboard.db import open_database
from dashboard.errors import InputError

ROLES = [role.value for role in Role]


def add_users_commands(subparsers: Any, common: argparse.ArgumentParser) -> None:
    users = subparsers.add_parser(
        "users",
        parents=[common],
        help="manage who can sign in: add, list, role, disable",
        description="Users live in the app's database (DATABASE_URL, else SQLite under the data "
        "directory). Roles: viewer (reads), analyst (reviews, runs jobs), admin (manages users).",
    )
    commands = users.add_subparsers(title="user commands", metavar="ACTION")

    add = commands.add_parser(
        "add", parents=[common], help="add a user (password from a prompt or stdin)"
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=ROLES)
    add.set_defaults(handler=run_add)

    listing = commands.add_parser("list", parents=[common], help="list users and their roles")
    listing.set_defaults(handler=run_list)

    role = commands.add_parser("role", parents=[common], help="change a user's role")
    role.add_argument("name", metavar="NAME")
    role.add_argument("role", metavar="ROLE", choices=ROLES)
    role.set_defaults(handler=run_role)

    disable = commands.add_parser("disable", parents=[common], help="stop a user signing in")
    disable.add_argument("name", metavar="NAME")
    disable.set_defaults(handler=run_disable)


def _store() -> UserStore:
    # Managing users needs no SECRET_KEY: only serving does.
    settings = Settings.from_env(serving=False)
    return UserStore(open_database(settings.database))


def read_password(prompt: str = "Password: ") -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Again: ") != first:
            raise InputError("The two passwords differ; nothing was changed.")
        return first
    line = sys.stdin.readline()
    if not line:
        raise InputError("No password on standard input; nothing was changed.")
    return line.rstrip("\r\n")


def run_add(args: argparse.Namespace) -> int:
    store = _store()
    user = store.add(args.name, read_password(), args.role)
    print(f"Added {user.name} ({user.role.value}).")
    return 0


def run_list(args: argparse.Namespace) -> int:
    users = _store().list()
    if not users:
        print("No users yet: add one with 'python -m dashboard users add NAME --role admin'.")
        return 0
    width = max(len(u.name) for u in users)
    for user in users:
        state = "active" if user.active else "disabled"
        print(
            f"{user.name.ljust(width)}  {user.role.value:<8}  {state:<8}  since {user.created_at:%Y-%m-%d}"
        )
    return 0


def run_role(args: argparse.Namespace) -> int:
    user = _store().set_role(args.name, args.role)
    print(f"{user.name} is now {user.role.value}.")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    user = _store().disable(args.name)
    print(f"{user.name} can no longer sign in.")
    return 0
