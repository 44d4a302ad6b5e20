"""The REST API: configurable paths, Basic auth, JSON commands, the original's codes."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

import bottle

from otpbroker.domain.delivery import NO_TERMS, DeliveryTerms
from otpbroker.domain.ports import Settings
from otpbroker.services.auth import ApiAuthenticator
from otpbroker.services.command_processor import CommandProcessor
from otpbroker.services.command_replies import stopping_reply
from otpbroker.services.login_throttle import LoginThrottle, Refusal
from otpbroker.services.message_status import MessageStatus
from otpbroker.services.message_status_reply import status_reply
from otpbroker.services.readiness import Readiness
from otpbroker.services.replies import Code, Reply
from otpbroker.services.sealing import SealingKey
from otpbroker.web.health import health_reply, live_reply, ready_reply
from otpbroker.web.jsonio import BodyError, answer, read_json
from otpbroker.web.openapi import openapi_document

log = logging.getLogger(__name__)

PATH_KEYS = (
    "api.message_path",
    "api.sms_path",
    "api.mail_path",
    "api.block_path",
    "api.unblock_path",
)
WRITE_METHODS = ("POST", "PUT")
SEALING_KEY_PATH = "/api/sealing-key"
STATUS_PREFIX = "/api/status/"
HEALTH_PATH = "/health"
LIVE_PATH = "/health/live"
READY_PATH = "/health/ready"
READ_ONLY_PATHS = (
    "/metrics", "/api/openapi.json", SEALING_KEY_PATH, HEALTH_PATH, LIVE_PATH, READY_PATH
)  # fmt: skip


def _whole_number(settings: Settings, key: str) -> int:
    """The whole-number setting ``key`` (the configuration's schema stores it as one)."""
    value = settings.get(key)
    if not isinstance(value, int):
        raise TypeError(f"setting {key} is not a whole number")
    return value


def _never() -> bool:
    """Not stopping."""
    return False


def _no_terms(user: str) -> DeliveryTerms:
    """No sending defaults: the device's apply."""
    return NO_TERMS


@dataclass(frozen=True)
class RestApi:
    """What the REST handlers use: the command set, credentials and their throttle,
    settings and metrics."""

    processor: CommandProcessor
    authenticator: ApiAuthenticator
    throttle: LoginThrottle
    settings: Settings
    metrics: Callable[[], str]
    readiness: Callable[[], Readiness]
    """Whether the device can take OTPs now (``ReadinessCheck.check``)."""
    terms: Callable[[str], DeliveryTerms] = _no_terms
    """The sending defaults of an authenticated API user (``ApiUsers.terms_for``)."""
    sealing_key: Callable[[], SealingKey] | None = None
    """The device's public key for sealed messages (``Sealing.key``)."""
    stopping: Callable[[], bool] = _never
    """True once the device is stopping: commands are refused (``1112``)."""
    status: MessageStatus | None = None
    """Messages' statuses (``GET /api/status/<id>``; None: every id is unknown)."""

    def paths(self) -> set[str]:
        """The configured command paths."""
        return {str(self.settings.get(key)) for key in PATH_KEYS}


def openapi(api: RestApi) -> str:
    """``GET /api/openapi.json``: the OpenAPI document of the configured paths."""
    bottle.response.content_type = "application/json"
    return openapi_document(sorted(api.paths()))


def prometheus(api: RestApi) -> str:
    """``GET /metrics``: the Prometheus text, never cached."""
    bottle.response.content_type = "text/plain; version=0.0.4; charset=utf-8"
    bottle.response.set_header("Cache-Control", "no-store")
    return api.metrics()


def health(api: RestApi) -> str:
    """``GET /health``: 200 ``ok`` while the device takes work, 503 ``stopping`` (code
    ``1112``, with ``Retry-After``) once it is stopping. No credentials: it says nothing
    else."""
    return answer(bottle.response, health_reply(api.stopping()))


def health_live(api: RestApi) -> str:
    """``GET /health/live``: 200 while the process answers (no credentials)."""
    return answer(bottle.response, live_reply(api.stopping()))


def health_ready(api: RestApi) -> str:
    """``GET /health/ready``: 200 when the device can take OTPs, else 503 with the reasons
    per modem and ``Retry-After`` (no credentials, nothing secret)."""
    return answer(bottle.response, ready_reply(api.readiness()))


def sealing_key(api: RestApi) -> str:
    """``GET /api/sealing-key``: the public key applications seal messages to (API users)."""
    if api.sealing_key is None:
        return answer(
            bottle.response, Reply("", Code.NOT_FOUND, f"no API endpoint at {SEALING_KEY_PATH}")
        )
    user = _authenticate(bottle.request, api)  # throttled like every command
    if isinstance(user, Reply):
        return answer(bottle.response, user)
    key = api.sealing_key()
    data = {"public_key": key.public_key, "algorithm": key.algorithm}
    return answer(bottle.response, Reply("sealing-key", Code.OK, "ok", data))


def message_status(api: RestApi, message_id: str) -> str:
    """``GET /api/status/<id>``: the life of one of the API user's own messages (``1218``
    for someone else's id and for an unknown one alike)."""
    user = _authenticate(bottle.request, api)  # throttled like every command
    if isinstance(user, Reply):
        return answer(bottle.response, user)
    return answer(bottle.response, status_reply(api.status, user, message_id))


def command(api: RestApi, path: str) -> str:
    """``POST``/``PUT`` on a configured path: one JSON command for the authenticated user."""
    request, response = bottle.request, bottle.response
    if "/" + path not in api.paths():
        return other(api, path)
    if api.stopping():  # nothing new is accepted: the client keeps the message
        return answer(response, stopping_reply(""))
    limit = _whole_number(api.settings, "api.max_body_bytes")
    declared = request.environ.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        reply = Reply("", Code.BODY_TOO_LARGE, f"body is {declared} bytes, at most {limit}")
        return answer(response, reply)
    user = _authenticate(request, api)
    if isinstance(user, Reply):
        return answer(response, user)
    try:
        payload = read_json(request, limit)
    except BodyError as exc:
        return answer(response, Reply("", exc.code, exc.text))
    reply = api.processor.handle(payload, source="rest", user=user, terms=api.terms(user))
    return answer(response, reply)  # with a Retry-After header for 1106 and 1108


def other(api: RestApi, path: str) -> str:
    """Every other method or path: 405 with the right Allow header, or 404."""
    allowed: tuple[str, ...] | None = None
    if "/" + path in api.paths():
        allowed = WRITE_METHODS
    elif "/" + path in READ_ONLY_PATHS or ("/" + path).startswith(STATUS_PREFIX):
        allowed = ("GET",)
    if allowed is None:
        return answer(bottle.response, Reply("", Code.NOT_FOUND, f"no API endpoint at /{path}"))
    bottle.response.set_header("Allow", ", ".join(allowed))
    reply = Reply("", Code.METHOD_NOT_ALLOWED, f"use {' or '.join(allowed)} on /{path}")
    return answer(bottle.response, reply)


def not_found(error: bottle.HTTPError) -> str:
    """bottle's own 404/405 (a path no route matches), in the API's reply format."""
    code = Code.METHOD_NOT_ALLOWED if error.status_code == 405 else Code.NOT_FOUND
    return answer(bottle.response, Reply("", code, "no such endpoint or method"))


def internal(error: bottle.HTTPError) -> str:
    """An unexpected exception: logged by type only (a message may hold request data)."""
    log.error("internal error: %s", type(error.exception).__name__)
    return answer(bottle.response, Reply("", Code.INTERNAL, "internal error"))


# The REST app's routes, in matching order (the catch-alls last).
ROUTES: tuple[tuple[str | list[str], str, Callable[..., str]], ...] = (
    ("GET", "/api/openapi.json", openapi),
    ("GET", HEALTH_PATH, health),
    ("GET", LIVE_PATH, health_live),
    ("GET", READY_PATH, health_ready),
    ("GET", "/metrics", prometheus),
    ("GET", SEALING_KEY_PATH, sealing_key),
    ("GET", STATUS_PREFIX + "<message_id:path>", message_status),
    (list(WRITE_METHODS), "/<path:path>", command),
    ("ANY", "/<path:path>", other),
)
ERROR_HANDLERS: dict[int, Callable[[bottle.HTTPError], str]] = {
    404: not_found,
    405: not_found,
    500: internal,
}


def build_api(
    processor: CommandProcessor,
    authenticator: ApiAuthenticator,
    throttle: LoginThrottle,
    settings: Settings,
    metrics: Callable[[], str],
    terms: Callable[[str], DeliveryTerms] = _no_terms,
    sealing_key: Callable[[], SealingKey] | None = None,
    *,
    stopping: Callable[[], bool] = _never,
    readiness: Callable[[], Readiness],
    status: MessageStatus | None = None,
) -> bottle.Bottle:
    """The WSGI app of the REST API, ``/api/openapi.json`` and ``/metrics``; ``throttle``
    slows and refuses credential guessing; ``terms`` gives an authenticated API user's
    sending defaults (``ApiUsers.terms_for``), ``sealing_key`` the device's public key for
    sealed messages (``Sealing.key``); ``stopping`` tells that the device is stopping (the
    commands are refused with ``1112``, ``/health`` says so); ``readiness`` whether the
    device can take OTPs (``/health/ready``); ``status`` the messages' statuses
    (``GET /api/status/<id>``)."""
    app = bottle.Bottle()
    app.config["json.enable"] = False
    api = RestApi(
        processor, authenticator, throttle, settings, metrics, readiness, terms, sealing_key,
        stopping, status,
    )  # fmt: skip
    for method, path, handler in ROUTES:
        app.route(path, method, functools.partial(handler, api))
    for http_status, handler in ERROR_HANDLERS.items():
        app.error(http_status)(handler)
    return app


UNAUTHORIZED = Reply("", Code.UNAUTHORIZED, "valid API user credentials are required")


def _credentials(request: bottle.BaseRequest) -> tuple[str, str] | None:
    """The Basic credentials of the request, None when absent or malformed."""
    header = request.environ.get("HTTP_AUTHORIZATION", "")
    if not header:
        return None
    try:
        credentials = bottle.parse_auth(header)
    except Exception:  # malformed header: treat as no credentials
        return None
    return credentials or None


def _authenticate(request: bottle.BaseRequest, api: RestApi) -> str | Reply:
    """The API user's name when the Basic credentials are valid, else the refusal: 401, or
    429 (1215) while this address or user name must wait, without checking the password.

    The address is the connection's own (``REMOTE_ADDR``, never a client-sent header)."""
    credentials = _credentials(request)
    if credentials is None:
        return UNAUTHORIZED
    username, password = credentials
    address = str(request.environ.get("REMOTE_ADDR") or "?")
    outcome = api.throttle.attempt(
        "api",
        address,
        username,
        lambda: username if api.authenticator.authenticate(username, password) else None,
    )
    if isinstance(outcome, Refusal):
        text = f"too many failed logins; try again in {outcome.retry_after} s"
        return Reply("", Code.LOGIN_THROTTLED, text, {"retry_after": outcome.retry_after})
    return UNAUTHORIZED if outcome is None else outcome
