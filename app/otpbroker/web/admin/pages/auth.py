"""First-run setup (guarded by the setup code), login with lock-out, logout, forgotten password.

Accounts are the admin-accounts service's: the first administrator is added there (once),
with the device's language (preselected from the browser's), and a login is checked there,
at the same cost for an unknown user name.
"""

from __future__ import annotations

import bottle

from otpbroker.i18n.translate import ENGLISH, INDONESIAN, N_, _, supported
from otpbroker.services.admin_accounts import AlreadySetUpError
from otpbroker.services.login_throttle import Refusal
from otpbroker.web.admin.guard import SESSION_COOKIE, current_session, secure_request
from otpbroker.web.admin.language import browser_language
from otpbroker.web.admin.render import field_errors, flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices

SETUP_TITLE = N_("Set up this device")
LOGIN_TITLE = N_("Log in")
LOGIN_FAILED = N_("wrong user name or password, or the account is not active")


def _client() -> str:
    """The connection's own address (``REMOTE_ADDR``; never a client-sent header)."""
    return str(bottle.request.environ.get("REMOTE_ADDR") or "?")


def _device_language(chosen: str | None = None) -> str:
    """The device's language as chosen (unknown: English); none chosen: Indonesian when the
    browser asks for it, else English."""
    if chosen:
        return supported(chosen) or ENGLISH
    return INDONESIAN if browser_language() == INDONESIAN else ENGLISH


def _start_session(context: AdminServices, admin_id: str) -> bottle.HTTPResponse:
    session = context.sessions.create(admin_id)
    response = see_other("/")
    response.set_cookie(
        SESSION_COOKIE, session.token, httponly=True, samesite="strict", path="/",
        secure=secure_request(),
    )  # fmt: skip
    return response


def setup_form(context: AdminServices) -> str:
    """The first-run form (only while there is no administrator)."""
    if context.admin_accounts.exist():
        raise see_other("/login")
    return render("setup", _(SETUP_TITLE), form={}, device_language=_device_language())


def _setup_code_error(context: AdminServices, typed: str) -> str | None:
    """Why the typed setup code is refused (None: accepted); counts wrong codes."""
    refusal = context.throttle.refusal("admin", _client())
    if refusal is not None:
        return _("too many wrong codes; try again in {seconds} s").format(
            seconds=refusal.retry_after
        )
    if not context.setup_code.check(typed):
        context.throttle.failed("admin", _client())
        return _("wrong setup code (it is printed on the device's brochure)")
    return None


def setup(context: AdminServices) -> str:
    """Create the first administrator with the device's setup code; log in as it."""
    if context.admin_accounts.exist():
        raise see_other("/login")
    form = bottle.request.forms
    values = {k: form.getunicode(k, default="") or "" for k in ("username", "phone", "email")}
    language = _device_language(form.getunicode("device_language", default=""))
    errors: dict[str, str] = {}
    code_error = _setup_code_error(context, form.getunicode("setup_code", default="") or "")
    if code_error:
        errors["setup_code"] = code_error
    password = form.getunicode("password", default="") or ""
    if password != (form.getunicode("password2", default="") or ""):
        errors["password2"] = _("the two passwords differ")
    if not errors:
        try:
            admin = context.admin_accounts.add_first(values, password, language)
        except AlreadySetUpError:
            raise see_other("/login") from None
        except ValueError as exc:
            errors = field_errors(exc)
        else:
            context.throttle.succeeded("admin", _client(), values["username"])
            raise _start_session(context, admin["id"])
    bottle.response.status = 400
    return render("setup", _(SETUP_TITLE), form=values, errors=errors, device_language=language)


def login_form(context: AdminServices) -> str:
    """The login form (the setup page until there is an administrator)."""
    if not context.admin_accounts.exist():
        raise see_other("/setup")
    if current_session() is not None:
        raise see_other("/")
    return render("login", _(LOGIN_TITLE), form={})


def login(context: AdminServices) -> str:
    """Check the user name and password; slow, then lock out repeated failures (429 with the
    wait; the password is not checked meanwhile)."""
    form = bottle.request.forms
    username = (form.getunicode("username", default="") or "").strip()
    password = form.getunicode("password", default="") or ""
    admin = context.throttle.attempt(
        "admin", _client(), username, lambda: context.admin_accounts.log_in(username, password)
    )
    if isinstance(admin, Refusal):
        bottle.response.status = 429
        bottle.response.set_header("Retry-After", str(admin.retry_after))
        error = _("too many failed logins; try again in {seconds} s").format(
            seconds=admin.retry_after
        )
        return render("login", _(LOGIN_TITLE), form={"username": username},
                      errors={"_form": error})  # fmt: skip
    if admin is None:
        bottle.response.status = 401
        return render("login", _(LOGIN_TITLE), form={"username": username},
                      errors={"_form": _(LOGIN_FAILED)})  # fmt: skip
    raise _start_session(context, admin["id"])


def logout(context: AdminServices) -> None:
    """End this session."""
    session = current_session()
    context.sessions.destroy(session.token if session else None)
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    raise response


def forgot_form(context: AdminServices) -> str:
    """The forgotten-password form."""
    return render("forgot", _("Forgotten password"), form={})


def forgot(context: AdminServices) -> str:
    """Send a new password (the same answer whether the administrator exists or not)."""
    form = bottle.request.forms
    login_name = form.getunicode("login", default="") or ""
    via = form.getunicode("via", default="sms") or "sms"
    if context.throttle.refusal("reset", _client(), login_name) is None:
        context.password_reset.reset(login_name, via=via if via in ("sms", "mail") else "sms")
        context.throttle.spend("reset", _client(), login_name)  # few per address and name
    flash(_("If that administrator exists and has a phone or e-mail, a new password was sent."))
    raise see_other("/login")


ROUTES = (
    Route("GET", "/setup", setup_form, public=True),
    Route("POST", "/setup", setup, public=True),
    Route("GET", "/login", login_form, public=True),
    Route("POST", "/login", login, public=True),
    Route("POST", "/logout", logout),
    Route("GET", "/forgot", forgot_form, public=True),
    Route("POST", "/forgot", forgot, public=True),
)
