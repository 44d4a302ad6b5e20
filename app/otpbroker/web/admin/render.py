"""Rendering pages: the layout, navigation, CSRF token and one-shot flash messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import bottle

from otpbroker.i18n.translate import (
    LANGUAGE_NAMES,
    N_,
    _,
    current_language,
    ngettext,
    pgettext,
)
from otpbroker.web.admin.guard import csrf_token, current_session, secure_request
from otpbroker.web.admin.language import script_catalogue

VIEWS = str(Path(__file__).with_name("views"))
#: One list for every render: bottle caches compiled templates by the lookup list's id(), so
#: a new list per call would compile (and keep) the template again on every page.
TEMPLATE_LOOKUP = [VIEWS]
FLASH_COOKIE = "otpb_flash"

NAV: tuple[tuple[str, str], ...] = (
    ("/", N_("Home")),
    ("/monitor", N_("Monitor")),
    ("/modems", N_("Modems")),
    ("/received", N_("Received")),
    ("/internet", N_("Internet")),
    ("/manual-sms", N_("Manual SMS")),
    ("/ussd", N_("USSD")),
    ("/api-settings", N_("API setting")),
    ("/https", N_("HTTPS")),
    ("/sealing", N_("Sealed messages")),
    ("/api-users", N_("API users")),
    ("/blocklist", N_("Blocking list")),
    ("/feeders", N_("Feeders")),
    ("/webhooks", N_("Webhooks")),
    ("/fleet", N_("Fleet")),
    ("/sms-settings", N_("SMS setting")),
    ("/limits", N_("Sending limits")),
    ("/mail", N_("E-mail")),
    ("/ddns", N_("DDNS")),
    ("/network", N_("Network")),
    ("/firewall", N_("Firewall")),
    ("/admins", N_("Administrators")),
    ("/brochure", N_("Brochure")),
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


def language_context() -> dict[str, Any]:
    """What every template needs to speak the current language: the message functions, the
    page's ``lang``, the languages' names and the scripts' messages."""
    language = current_language()
    return {
        "_": _, "ngettext": ngettext, "pgettext": pgettext, "lang": language,
        "language_names": LANGUAGE_NAMES, "script_messages": script_catalogue(language),
    }  # fmt: skip


def render(template: str, title: str, **context: Any) -> str:
    """A page in the common layout (values are HTML-escaped by the template engine).

    Templates write what a person reads as ``_('...')`` / ``ngettext(...)``; ``title`` and
    flash messages come translated from the page module.
    """
    return bottle.template(
        template,
        template_lookup=TEMPLATE_LOOKUP,
        **language_context(),
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
