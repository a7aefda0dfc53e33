"""Sign-in on the Flask server: sessions, the before-request guard, the login routes, the headers.

:func:`install_auth` is called once by the app factory. With sign-in required (production, or a
non-loopback bind) every request except static assets and the login page itself must come from an
active signed-in user: Dash's ``/_dash-update-component``, ``/_dash-layout`` and
``/_dash-dependencies`` answer 401, pages redirect to ``/login``. In development on loopback there is
no login page and every caller acts as the local admin.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, Response, abort, jsonify, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, login_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard.auth.identity import current_identity
from dashboard.auth.ratelimit import LoginLimiter
from dashboard.auth.session_user import forget_user, recorded_user, remember_user
from dashboard.auth.users import UserStore
from dashboard.db.health import SIGN_IN_UNAVAILABLE, DatabaseHealth, DatabaseUnavailableError

logger = logging.getLogger(__name__)

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
# Served without a session: the login page needs the stylesheet and the favicon.
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico", "/favicon.ico")
DASH_ENDPOINTS = ("/_dash-update-component", "/_dash-layout", "/_dash-dependencies")
CSRF_KEY = "csrf_token"


class LoginRenderer(Protocol):
    def __call__(
        self, *, csrf_token: str, next_url: str, user_name: str, error: str | None
    ) -> str: ...


@dataclass(frozen=True)
class AuthConfig:
    sign_in_required: bool
    secret_key: str | None
    production: bool


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the Secure flag whenever the request came over https
    (behind a proxy too, through ``ProxyFix``), so a plain-http loopback test still gets a cookie."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure) or bool(app.config.get("SESSION_COOKIE_SECURE"))


def install_auth(
    server: Flask,
    config: AuthConfig,
    users: UserStore,
    limiter: LoginLimiter,
    render_login: LoginRenderer,
    script_hashes: Callable[[], Sequence[str]],
    health: DatabaseHealth | None = None,
) -> None:
    _configure_server(server, config)
    _install_headers(server, script_hashes)
    if not config.sign_in_required:
        server.add_url_rule(LOGIN_PATH, "login", lambda: redirect("/"))
        return
    manager = LoginManager()
    manager.init_app(server)
    manager.session_protection = "strong"
    health = health or DatabaseHealth(users.database)
    manager.user_loader(_active_user_loader(users, health))
    server.before_request(_guard)
    _add_login_routes(server, users, limiter, render_login, health)


def _configure_server(server: Flask, config: AuthConfig) -> None:
    if config.secret_key:
        server.config["SECRET_KEY"] = config.secret_key
    elif not server.config.get("SECRET_KEY"):
        # Development on loopback: a per-process key; nothing depends on sessions surviving.
        server.config["SECRET_KEY"] = secrets.token_hex(32)
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="pricescope_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
    )
    server.session_interface = _SessionInterface()
    if config.production:
        server.config.update(DEBUG=False, PROPAGATE_EXCEPTIONS=False, TRAP_HTTP_EXCEPTIONS=False)
        # The platform's router terminates TLS and says so in X-Forwarded-Proto.
        server.wsgi_app = ProxyFix(server.wsgi_app, x_proto=1)  # type: ignore[method-assign]


def _active_user_loader(users: UserStore, health: DatabaseHealth) -> Callable[[str], Any]:
    def load(user_id: str) -> Any:
        # Read on every request, so a disabled user or a changed role takes effect at once; while
        # the database is down, the user the session recorded (read-only mode: saves are refused).
        try:
            with health.guard("look up the signed-in user"):
                user = users.by_id(user_id)
        except DatabaseUnavailableError:
            return recorded_user(session, user_id)
        if user is None or not user.active:
            forget_user(session)
            return None
        remember_user(session, user)
        return user

    return load


def _guard() -> Any:
    path = request.path
    if path == LOGIN_PATH or path.startswith(PUBLIC_PREFIXES) or path.startswith("/_alive_"):
        return None
    if current_identity(sign_in_required=True) is not None:
        return None
    if path.startswith("/_dash-") or request.method != "GET":
        response = jsonify(message="Sign in first.")
        response.status_code = 401
        return response
    return redirect(f"{LOGIN_PATH}?next={_safe_next(request.full_path)}")


def csrf_token() -> str:
    """The session's token for plain HTML forms (login, sign out); made on first use."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def _csrf_ok() -> bool:
    sent = request.form.get(CSRF_KEY, "")
    expected = session.get(CSRF_KEY)
    return isinstance(expected, str) and hmac.compare_digest(sent, expected)


def _safe_next(raw: str | None) -> str:
    """Only a path on this site: never ``//host`` or ``https://…`` (an open redirect)."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    return raw.rstrip("?") or "/"


def _add_login_routes(
    server: Flask,
    users: UserStore,
    limiter: LoginLimiter,
    render_login: LoginRenderer,
    health: DatabaseHealth,
) -> None:
    def page(status: int, *, user_name: str = "", error: str | None = None) -> Response:
        body = render_login(
            csrf_token=csrf_token(),
            next_url=_safe_next(request.values.get("next")),
            user_name=user_name,
            error=error,
        )
        return Response(body, status=status, mimetype="text/html")

    @server.route(LOGIN_PATH, methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "GET":
            return page(200, error=None if health.reachable() else SIGN_IN_UNAVAILABLE)
        if not _csrf_ok():
            return page(400, error="The form expired; please sign in again.")
        name = request.form.get("username", "").strip()[:64]
        password = request.form.get("password", "")[:1024]
        address = request.remote_addr or "unknown"
        try:
            with health.guard("sign in"):
                if limiter.blocked(name, address):
                    logger.warning("login refused for %r from %s: too many failures", name, address)
                    return page(
                        429, user_name=name, error="Too many failed sign-ins; wait 15 minutes."
                    )
                user = users.authenticate(name, password)
                limiter.record(name, address, succeeded=user is not None)
        except DatabaseUnavailableError:
            return page(503, user_name=name, error=SIGN_IN_UNAVAILABLE)
        if user is None:
            return page(401, user_name=name, error="Wrong user name or password.")
        session.clear()  # a fresh session: nothing from before sign-in carries over
        login_user(user)
        remember_user(session, user)
        csrf_token()
        logger.info("%s signed in from %s", user.name, address)
        return redirect(_safe_next(request.form.get("next")))

    @server.route(LOGOUT_PATH, methods=["POST"])
    def logout() -> Any:
        if not _csrf_ok():
            abort(400)
        logout_user()
        session.clear()
        return redirect(LOGIN_PATH)


def _install_headers(server: Flask, script_hashes: Callable[[], Sequence[str]]) -> None:
    policy: list[str] = []

    @server.after_request
    def add_headers(response: Response) -> Response:
        if not policy:  # the inline scripts are known once every callback is registered
            policy.append(content_security_policy(script_hashes()))
        response.headers["Content-Security-Policy"] = policy[0]
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.path.startswith("/_dash-update-component") or request.path == LOGIN_PATH:
            response.headers["Cache-Control"] = "no-store"
        return response


def content_security_policy(script_hashes: Sequence[str]) -> str:
    """A CSP Dash works under: scripts only from this site (plus the hashes of Dash's own inline
    scripts); Plotly and AG Grid need ``unsafe-eval`` (they compile functions at run time) and
    inline styles; nothing may frame the app."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())
