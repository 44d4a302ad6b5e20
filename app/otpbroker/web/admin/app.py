"""The admin WSGI app: the guard plugin, static files and every page module, and the body
limit in front of it all."""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

import bottle

from otpbroker.i18n.negotiate import preferred_language
from otpbroker.i18n.translate import N_, _, use_language
from otpbroker.web.admin import pages, static_files
from otpbroker.web.admin.guard import HEADERS, AdminGuard
from otpbroker.web.admin.language import page_language
from otpbroker.web.admin.render import TEMPLATE_LOOKUP, language_context
from otpbroker.web.admin.routes import mount
from otpbroker.web.admin.services import AdminServices
from otpbroker.web.body_limit import Refusal, WsgiApp, limit_body

# The largest admin request body: the biggest form (a certificate and a key, 64 KiB each)
# fits with room to spare; anything larger is refused before a byte of it is read.
MAX_BODY_BYTES = 256 * 1024
REFUSED_TITLE = N_("Request refused")
HTTP_TITLES = {411: N_("Length required"), 400: N_("Bad request"), 413: N_("Request too large")}
ADVICE = {
    411: N_("Send the form again from the page (the browser sets the length)."),
    400: N_("Send the form again from the page."),
    413: N_("Requests to the admin may be at most {size} KiB; choose smaller files."),
}


def page_modules() -> list[str]:
    """Every module of ``otpbroker.web.admin.pages`` (each has a ``ROUTES`` table)."""
    return sorted(info.name for info in pkgutil.iter_modules(pages.__path__))


def build_admin(context: AdminServices) -> bottle.Bottle:
    """The admin app with every page registered (serve it through ``with_body_limit``)."""
    # Bodies within MAX_BODY_BYTES are parsed in memory, never spooled to a temporary file
    # (a private key or a message text must not reach the disk that way).
    bottle.BaseRequest.MEMFILE_MAX = max(bottle.BaseRequest.MEMFILE_MAX, MAX_BODY_BYTES)
    app = bottle.Bottle()
    app.install(AdminGuard(context))
    mount(app, context, static_files.ROUTES)
    for name in page_modules():
        mount(app, context, importlib.import_module(f"{pages.__name__}.{name}").ROUTES)

    @app.error(404)
    def not_found(_error: bottle.HTTPError) -> str:
        for header, value in HEADERS.items():
            bottle.response.set_header(header, value)
        bottle.response.content_type = "text/plain; charset=utf-8"
        # the guard does not run for an unknown path, so the language is set here (the browser's)
        with use_language(page_language(bottle.request.environ.get("otpb.admin"))):
            return _("404: no such page")

    return app


def refusal_answer(
    environ: dict[str, Any], refusal: Refusal
) -> tuple[list[tuple[str, str]], bytes]:
    """A refused request's answer: JSON for ``/admin-api/``, else a page in the layout."""
    headers = list(HEADERS.items())
    path = str(environ.get("PATH_INFO") or "/")
    if path.startswith("/admin-api/"):
        body = json.dumps({"error": refusal.message}).encode()
        return [*headers, ("Content-Type", "application/json")], body
    language = preferred_language(str(environ.get("HTTP_ACCEPT_LANGUAGE") or ""))
    with use_language(language):
        advice = ADVICE.get(refusal.status)
        page = bottle.template(
            "refused",
            template_lookup=TEMPLATE_LOOKUP,
            **language_context(),
            title=_(HTTP_TITLES.get(refusal.status, REFUSED_TITLE)),
            message=_("Refused: {reason}.").format(reason=refusal.message),
            advice=_(advice).format(size=MAX_BODY_BYTES // 1024) if advice else "",
            back="/" + path.split("/")[1] if path.startswith("/") else "/",
            nav=(),
            path=path,
            csrf="",
            me=None,
            flash=None,
            errors={},
        )
    return [*headers, ("Content-Type", "text/html; charset=utf-8")], page.encode()


def with_body_limit(admin: WsgiApp) -> WsgiApp:
    """``admin`` behind the request body limit (``MAX_BODY_BYTES``)."""
    return limit_body(admin, MAX_BODY_BYTES, refusal_answer)
