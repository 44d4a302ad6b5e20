"""The admin's cross-cutting rules, as a bottle plugin on every route.

- security headers on every answer (CSP without inline script, no framing, no-store);
- a route is public only when marked ``public=True``; everything else needs a session
  (pages redirect to the login page, ``/admin-api/`` answers 401 JSON);
- every POST carries a CSRF token: the session's, or for public forms the one of the
  ``otpb_csrf`` cookie (double submit).
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Callable
from typing import Any

import bottle

from otpbroker.i18n.translate import _, reset_language, set_language
from otpbroker.web.admin.language import page_language
from otpbroker.web.admin.services import AdminServices
from otpbroker.web.admin.sessions import Session

SESSION_COOKIE = "otpb_session"
CSRF_COOKIE = "otpb_csrf"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def secure_request() -> bool:
    """True when the admin is reached over HTTPS."""
    return bottle.request.urlparts.scheme == "https"


def current_session() -> Session | None:
    """The session found for this request by the guard."""
    return bottle.request.environ.get("otpb.session")


def csrf_token() -> str:
    """The token forms must send back."""
    session = current_session()
    if session is not None:
        return session.csrf
    token = bottle.request.environ.get("otpb.csrf")
    if token is None:
        token = bottle.request.get_cookie(CSRF_COOKIE) or secrets.token_urlsafe(32)
        bottle.request.environ["otpb.csrf"] = token
        bottle.response.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="strict", path="/", secure=secure_request()
        )
    return token


def _csrf_ok(session: Session | None) -> bool:
    sent = bottle.request.forms.get("csrf") or bottle.request.headers.get("X-CSRF-Token") or ""
    expected = session.csrf if session else (bottle.request.get_cookie(CSRF_COOKIE) or "")
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


def _refuse(status: int, text: str) -> bottle.HTTPResponse:
    if bottle.request.path.startswith("/admin-api/"):
        body = json.dumps({"error": text})
        return bottle.HTTPResponse(body, status, {"Content-Type": "application/json"})
    return bottle.HTTPResponse(f"{status}: {text}", status, {"Content-Type": "text/plain"})


class AdminGuard:
    """Bottle plugin: authentication, CSRF and security headers."""

    name = "otpb-admin-guard"
    api = 2

    def __init__(self, context: AdminServices) -> None:
        self.context = context

    def apply(self, callback: Callable[..., Any], route: bottle.Route) -> Callable[..., Any]:
        public = bool(route.config.get("public", False))

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                result = self._guarded(callback, public, *args, **kwargs)
            except bottle.HTTPResponse as response:
                for name, value in HEADERS.items():
                    response.set_header(name, value)
                raise
            for name, value in HEADERS.items():
                bottle.response.set_header(name, value)
            return result

        return wrapper

    def _guarded(self, callback: Callable[..., Any], public: bool, *args: Any, **kw: Any) -> Any:
        request = bottle.request
        session = self.context.sessions.get(request.get_cookie(SESSION_COOKIE))
        request.environ["otpb.session"] = session
        if session is not None:
            try:
                admin = self.context.admin_accounts.get(session.admin_id)
            except (LookupError, ValueError):
                admin = None
            if admin is None or not admin.get("active") or admin.get("blocked"):
                self.context.sessions.destroy(session.token)
                session = None
                request.environ["otpb.session"] = None
            else:
                request.environ["otpb.admin"] = admin
        token = set_language(page_language(request.environ.get("otpb.admin")))
        try:
            return self._checked(callback, public, session, *args, **kw)
        finally:
            reset_language(token)

    def _checked(
        self, callback: Callable[..., Any], public: bool, session: Any, *args: Any, **kw: Any
    ) -> Any:
        request = bottle.request
        if not public and not self.context.admin_accounts.exist():
            raise bottle.HTTPResponse(status=303, headers={"Location": "/setup"})
        if not public and session is None:
            if request.method == "GET" and not request.path.startswith("/admin-api/"):
                raise bottle.HTTPResponse(status=303, headers={"Location": "/login"})
            raise _refuse(401, _("log in first"))
        if request.method not in ("GET", "HEAD") and not _csrf_ok(session):
            raise _refuse(403, _("the form expired or came from another site; reload and retry"))
        return callback(*args, **kw)
