"""First-run setup (guarded by the setup code), login with lock-out, logout, forgotten password."""

from __future__ import annotations

import bottle

from otpbroker.domain.password_hash import verify_unknown_user
from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.guard import SESSION_COOKIE, current_session, secure_request
from otpbroker.web.admin.render import field_errors, flash, render, see_other


def _client() -> str:
    return f"ip:{bottle.request.remote_addr or '?'}"


def _start_session(context: AdminContext, admin_id: str) -> bottle.HTTPResponse:
    session = context.sessions.create(admin_id)
    response = see_other("/")
    response.set_cookie(
        SESSION_COOKIE, session.token, httponly=True, samesite="strict", path="/",
        secure=secure_request(),
    )  # fmt: skip
    return response


def _find_admin(context: AdminContext, username: str) -> dict | None:
    wanted = username.strip().casefold()
    for admin in context.repo.list("admins"):
        if str(admin.get("username", "")).casefold() == wanted:
            return admin
    return None


def register(app: bottle.Bottle, context: AdminContext) -> None:
    """Add /setup, /login, /logout and /forgot."""

    @app.get("/setup", public=True)
    def setup_form() -> str:
        if context.repo.list("admins"):
            raise see_other("/login")
        return render("setup", "Set up this device", form={})

    @app.post("/setup", public=True)
    def setup() -> str:
        if context.repo.list("admins"):
            raise see_other("/login")
        form = bottle.request.forms
        values = {k: form.getunicode(k, default="") or "" for k in ("username", "phone", "email")}
        errors: dict[str, str] = {}
        wait = context.throttle.locked_for(_client())
        if wait:
            errors["setup_code"] = f"too many wrong codes; try again in {int(wait) + 1} s"
        elif not context.setup_code.check(form.getunicode("setup_code", default="") or ""):
            context.throttle.failed(_client())
            errors["setup_code"] = "wrong setup code (it is printed on the device's brochure)"
        password = form.getunicode("password", default="") or ""
        if password != (form.getunicode("password2", default="") or ""):
            errors["password2"] = "the two passwords differ"
        if not errors:
            admin = None
            try:
                admin = context.repo.add("admins", {**values, "active": True, "blocked": False})
                context.repo.set_password("admins", admin["id"], password)
            except ValueError as exc:
                if admin is not None:
                    context.repo.delete("admins", admin["id"])
                errors = field_errors(exc)
                if "password_hash" in errors or "_form" in errors:
                    errors = {"password": str(exc).split(": ", 1)[-1]}
            else:
                context.throttle.succeeded(_client())
                raise _start_session(context, admin["id"])
        bottle.response.status = 400
        return render("setup", "Set up this device", form=values, errors=errors)

    @app.get("/login", public=True)
    def login_form() -> str:
        if not context.repo.list("admins"):
            raise see_other("/setup")
        if current_session() is not None:
            raise see_other("/")
        return render("login", "Log in", form={})

    @app.post("/login", public=True)
    def login() -> str:
        form = bottle.request.forms
        username = (form.getunicode("username", default="") or "").strip()
        password = form.getunicode("password", default="") or ""
        keys = (_client(), f"user:{username.casefold()}")
        wait = context.throttle.locked_for(*keys)
        if wait:
            bottle.response.status = 429
            error = f"too many failed logins; try again in {int(wait) + 1} s"
            return render("login", "Log in", form={"username": username}, errors={"_form": error})
        admin = _find_admin(context, username)
        if admin is None:
            verify_unknown_user(password)  # an unknown name costs what a known one does
        ok = (
            admin is not None
            and bool(password)
            and context.repo.check_password("admins", admin["id"], password)
            and admin.get("active")
            and not admin.get("blocked")
        )
        if not ok or admin is None:
            context.throttle.failed(*keys)
            bottle.response.status = 401
            error = "wrong user name or password, or the account is not active"
            return render("login", "Log in", form={"username": username}, errors={"_form": error})
        context.throttle.succeeded(*keys)
        raise _start_session(context, admin["id"])

    @app.post("/logout")
    def logout() -> None:
        session = current_session()
        context.sessions.destroy(session.token if session else None)
        response = see_other("/login")
        response.delete_cookie(SESSION_COOKIE, path="/")
        raise response

    @app.get("/forgot", public=True)
    def forgot_form() -> str:
        return render("forgot", "Forgotten password", form={})

    @app.post("/forgot", public=True)
    def forgot() -> str:
        form = bottle.request.forms
        login_name = form.getunicode("login", default="") or ""
        via = form.getunicode("via", default="sms") or "sms"
        key = f"reset:{_client()}"
        if not context.throttle.locked_for(key):
            context.password_reset.reset(login_name, via=via if via in ("sms", "mail") else "sms")
            context.throttle.failed(key)  # at most a few resets per address and window
        flash("If that administrator exists and has a phone or e-mail, a new password was sent.")
        raise see_other("/login")
