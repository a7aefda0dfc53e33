"""Signing in through the real login form, for tests that drive the Flask server directly."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient


def sign_in(client: FlaskClient, name: str, password: str) -> Any:
    """Posts the login form with the token the login page gave; the login response."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    form = {"csrf_token": token.group(1), "username": name, "password": password}
    return client.post("/login", data=form)


def signed_in_token(client: FlaskClient, name: str, password: str) -> str:
    """Signs ``name`` in and returns the session's CSRF token (what a page sends in headers)."""
    assert sign_in(client, name, password).status_code == 302
    with client.session_transaction() as session:
        return str(session["csrf_token"])
