"""The sign-in page: a plain HTML form served by Flask (``/login``), styled like the app.

It is not a Dash page on purpose: before sign-in the guard lets nothing reach Dash, so the page must
work without Dash's scripts. Every value put into the page is HTML-escaped.
"""

from __future__ import annotations

from html import escape

BOOTSTRAP_CSS = "/assets/a_bootstrap-5.3.6.min.css"
APP_CSS = "/assets/pricescope.css"


def login_page(*, csrf_token: str, next_url: str, user_name: str, error: str | None) -> str:
    alert = (
        f'<div class="alert alert-danger py-2" role="alert" id="login-error">{escape(error)}</div>'
        if error
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in · PriceScope</title>
  <link rel="icon" href="/assets/favicon.ico">
  <link rel="stylesheet" href="{BOOTSTRAP_CSS}">
  <link rel="stylesheet" href="{APP_CSS}">
</head>
<body>
  <nav class="navbar navbar-dark bg-dark mb-4">
    <div class="container-fluid">
      <span class="navbar-brand"><span class="fw-light">Price</span><span class="fw-bold">Scope</span></span>
    </div>
  </nav>
  <main class="container" style="max-width: 420px">
    <div class="card chart-card">
      <div class="card-body p-4">
        <h1 class="h4 mb-1">Sign in</h1>
        <p class="text-muted small mb-3">Mispriced products, ranked by money at stake.</p>
        {alert}
        <form method="post" action="/login" id="login-form">
          <input type="hidden" name="csrf_token" value="{escape(csrf_token)}">
          <input type="hidden" name="next" value="{escape(next_url)}">
          <div class="mb-3">
            <label class="form-label" for="username">User name</label>
            <input class="form-control" id="username" name="username" autocomplete="username"
                   value="{escape(user_name)}" maxlength="64" required autofocus>
          </div>
          <div class="mb-3">
            <label class="form-label" for="password">Password</label>
            <input class="form-control" id="password" name="password" type="password"
                   autocomplete="current-password" maxlength="1024" required>
          </div>
          <button class="btn btn-primary w-100" type="submit" id="login-submit">Sign in</button>
        </form>
        <p class="text-muted small mt-3 mb-0">No account? An admin adds users with
          <code>python -m dashboard users add NAME --role ROLE</code>.</p>
      </div>
    </div>
  </main>
</body>
</html>
"""
