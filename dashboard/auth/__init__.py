"""Users, roles and sign-in: who may read, who may review, who manages users."""

from dashboard.auth.identity import (
    LOCAL_ADMIN,
    Identity,
    RoleRefusedError,
    caller_or_refusal,
    current_identity,
    require_role,
)
from dashboard.auth.ratelimit import LoginLimiter
from dashboard.auth.roles import Role, allows, parse_role
from dashboard.auth.users import User, UserStore
from dashboard.auth.web import AuthConfig, content_security_policy, csrf_token, install_auth

__all__ = [
    "LOCAL_ADMIN",
    "AuthConfig",
    "Identity",
    "LoginLimiter",
    "Role",
    "RoleRefusedError",
    "User",
    "UserStore",
    "allows",
    "caller_or_refusal",
    "content_security_policy",
    "csrf_token",
    "current_identity",
    "install_auth",
    "parse_role",
    "require_role",
]
