"""Rendering pages: the layout, navigation, CSRF token and one-shot flash messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import bottle

from otpbroker.web.admin.guard import csrf_token, current_session, secure_request

VIEWS = str(Path(__file__).with_name("views"))
#: One list for every render: bottle caches compiled templates by the lookup list's id(), so
#: a new list per call would compile (and keep) the template again on every page.
TEMPLATE_LOOKUP = [VIEWS]
FLASH_COOKIE = "otpb_flash"

NAV: tuple[tuple[str, str], ...] = (
    ("/", "Home"),
    ("/monitor", "Monitor"),
    ("/modems", "Modems"),
    ("/received", "Received"),
    ("/internet", "Internet"),
    ("/manual-sms", "Manual SMS"),
    ("/ussd", "USSD"),
    ("/api-settings", "API setting"),
    ("/https", "HTTPS"),
    ("/sealing", "Sealed messages"),
    ("/api-users", "API users"),
    ("/blocklist", "Blocking list"),
    ("/feeders", "Feeders"),
    ("/webhooks", "Webhooks"),
    ("/fleet", "Fleet"),
    ("/sms-settings", "SMS setting"),
    ("/limits", "Sending limits"),
    ("/mail", "E-mail"),
    ("/ddns", "DDNS"),
    ("/network", "Network"),
    ("/firewall", "Firewall"),
    ("/admins", "Administrators"),
    ("/brochure", "Brochure"),
)


def flash(message: str, kind: str = "ok") -> None:
    """Show ``message`` once on the next page."""
    bottle.response.set_cookie(
        FLASH_COOKIE, quote(f"{kind}|{message}"[:400]), httponly=True, samesite="strict",
        path="/", secure=secure_request(),
    )  # fmt: skip


def _take_flash() -> tuple[str, str] | None:
    raw = bottle.request.get_cookie(FLASH_COOKIE)
    if not raw:
        return None
    bottle.response.delete_cookie(FLASH_COOKIE, path="/")
    kind, _, message = unquote(raw).partition("|")
    return (kind if kind in ("ok", "error") else "ok", message)


def render(template: str, title: str, **context: Any) -> str:
    """A page in the common layout (values are HTML-escaped by the template engine)."""
    return bottle.template(
        template,
        template_lookup=TEMPLATE_LOOKUP,
        title=title,
        nav=NAV if current_session() is not None else (),
        path=bottle.request.path,
        csrf=csrf_token(),
        me=bottle.request.environ.get("otpb.admin"),
        flash=_take_flash(),
        errors=context.pop("errors", {}),
        **context,
    )


def see_other(location: str) -> bottle.HTTPResponse:
    """A 303 redirect after a successful POST (keeps cookies set so far, e.g. a flash)."""
    response = bottle.response.copy(cls=bottle.HTTPResponse)
    response.status = 303
    response.body = ""
    response.set_header("Location", location)
    return response


def field_errors(exc: Exception) -> dict[str, str]:
    """``{field: message}`` from a validation error of the configuration."""
    key = str(getattr(exc, "key", "") or "")
    field = key.rsplit(".", 1)[-1] if key else "_form"
    rule = str(getattr(exc, "rule", "") or exc)
    return {field: rule}
