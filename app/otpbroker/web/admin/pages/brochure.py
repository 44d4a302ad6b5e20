"""Brochure: the device card (Wi-Fi, admin address, setup and reset codes) to print again.

The card comes from ``context.brochure`` (built by the factory layer, every value escaped);
the page shows it inline, offers the A6 PNG as a download and a print button that prints
the card alone on an A6 page. The card is in the device's language (the page's language
until the owner chose one); ``?language=`` shows it in the other one.
"""

from __future__ import annotations

import logging

import bottle

from otpbroker.i18n.translate import (
    LANGUAGE_NAMES,
    LANGUAGES,
    _,
    current_language,
    supported,
)
from otpbroker.web.admin.render import flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices

log = logging.getLogger(__name__)

# The page around the card; printing from the admin prints the card alone, on an A6 page.
ADMIN_CSS = """
.brochure-actions a.download { display: inline-block; border: 1px solid #aab3c0;
  border-radius: 6px; padding: .5rem .9rem; text-decoration: none; background: #fff; }
.brochure-actions p { margin-top: 0; }
.brochure-view { margin: 0 0 1rem; }
.brochure-view .bro-card { box-shadow: 0 1px 4px rgba(0, 0, 0, .12); }
@media print {
  header.top, main > h1, .brochure-actions, .flash { display: none !important; }
  body, main { margin: 0 !important; padding: 0 !important; background: #fff !important; }
  .brochure-view { margin: 0; padding: 0; border: 0; }
  .brochure-view .bro-card { box-shadow: none; }
}
"""


def card_language(context: AdminServices) -> str:
    """The language asked for in ``?language=``, else the device's, else the page's."""
    asked = supported(bottle.request.query.get("language") or "")
    return asked or context.brochure.language() or current_language()


def brochure_page(context: AdminServices) -> str:
    """The card inline, with its download and print buttons (or why it cannot be shown)."""
    language = card_language(context)
    fragment, problem = "", ""
    try:
        fragment = context.brochure.fragment(language)
    except (OSError, ValueError) as exc:
        log.error("brochure: %s", exc)
        problem = _("The device card cannot be shown: {reason}").format(reason=exc)
    asked = bool(bottle.request.query.get("language"))
    others = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES if code != language]
    return render("brochure", _("Brochure"), fragment=fragment, problem=problem,
                  png_href=f"/brochure.png?language={language}" if asked else "/brochure.png",
                  card_language=LANGUAGE_NAMES[language], others=others,
                  device_language=context.brochure.language(),
                  scripts=("/static/brochure.js",))  # fmt: skip


def brochure_css(context: AdminServices) -> str:
    """The card's style sheet and the page's around it."""
    bottle.response.content_type = "text/css; charset=utf-8"
    return context.brochure.css + ADMIN_CSS


def brochure_png(context: AdminServices) -> bytes:
    """The card as an A6 PNG download."""
    try:
        data = context.brochure.png(card_language(context))
    except (OSError, ValueError) as exc:
        log.error("brochure: %s", exc)
        raise bottle.HTTPError(500, _("The device card cannot be drawn.")) from None
    bottle.response.content_type = "image/png"
    bottle.response.set_header("Content-Disposition", 'attachment; filename="otp-broker-card.png"')
    return data


def set_device_language(context: AdminServices) -> bottle.HTTPResponse:
    """Store the device language (the card's and the e-mails'); an unknown code: English."""
    chosen = context.admin_accounts.set_device_language(
        bottle.request.forms.getunicode("language", default="")
    )
    flash(_("The card and the device's e-mails are now in {language}.").format(
        language=LANGUAGE_NAMES[chosen]))  # fmt: skip
    return see_other("/brochure")


ROUTES = (
    Route("GET", "/brochure", brochure_page),
    Route("POST", "/brochure/language", set_device_language),
    Route("GET", "/brochure/card.css", brochure_css),
    Route("GET", "/brochure.png", brochure_png),
)
