"""Who is asking: the signed-in user, or the local admin of a development server on loopback.

Callbacks that write call :func:`require_role` themselves: the before-request guard keeps out
anyone not signed in, but only the callback knows that what it does needs an analyst.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import has_request_context
from flask_login import current_user

from dashboard.auth.roles import Role, allows

LOCAL_ADMIN = "local admin"


class RoleRefusedError(Exception):
    """The caller's role does not allow what was asked; the message says which role would."""


@dataclass(frozen=True)
class Identity:
    name: str
    role: Role

    def can(self, needed: Role) -> bool:
        return allows(self.role, needed)

    def refusal(self, needed: Role) -> str | None:
        """The sentence that refuses this caller something that needs ``needed``; None if allowed."""
        if self.can(needed):
            return None
        return f"This needs the {needed.value} role; {self.name} is a {self.role.value}."


def current_identity(sign_in_required: bool) -> Identity | None:
    """The caller, or ``None`` when sign-in is required and nobody valid is signed in."""
    if not sign_in_required:
        return Identity(LOCAL_ADMIN, Role.ADMIN)
    if not has_request_context():
        return None
    user = current_user
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Identity(str(user.name), Role(user.role))


def require_role(sign_in_required: bool, needed: Role) -> Identity:
    identity = current_identity(sign_in_required)
    if identity is None:
        raise RoleRefusedError("Sign in first.")
    refusal = identity.refusal(needed)
    if refusal is not None:
        raise RoleRefusedError(refusal)
    return identity


def caller_or_refusal(sign_in_required: bool, needed: Role) -> Identity | str:
    """The caller if their role allows ``needed``, else the sentence that refuses them: what a
    writing callback shows in place of doing the work."""
    try:
        return require_role(sign_in_required, needed)
    except RoleRefusedError as refusal:
        return str(refusal)
