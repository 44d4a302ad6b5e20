"""One command set for every transport: REST, RabbitMQ, WebSocket, MQTT.

``CommandProcessor.handle`` takes the decoded JSON object of a request and returns a
``Reply``; it never raises for bad input, and never puts a message text in a reply.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from otpbroker.domain.delivery import NO_TERMS, DeliveryTerms, Lane, effective_expiry, lane_of
from otpbroker.domain.errors import (
    DomainError,
    InvalidNumberError,
)
from otpbroker.domain.msisdn import normalize_msisdn
from otpbroker.domain.otp import OtpResult
from otpbroker.domain.ports import BlockList, Settings
from otpbroker.services.command_replies import delivery_reply, domain_reply
from otpbroker.services.delivery_fields import FieldError, named_lane, own_expiry
from otpbroker.services.otp import OtpService
from otpbroker.services.replies import Code, Reply
from otpbroker.services.sealing import FieldClash, SealedInvalid, SealedRequired, Sealing
from otpbroker.services.sms import SmsRequest, SmsService

log = logging.getLogger(__name__)

COMMANDS = ("send-sms", "send-mail", "block-msisdn", "unblock-msisdn", "request-otp", "verify-otp")
ON_A_NUMBER = ("send-sms", "block-msisdn", "unblock-msisdn", "request-otp")


class Mailer(Protocol):
    """Sends one e-mail (the e-mail feature implements it)."""

    def send_mail(self, recipient: str, subject: str, body: str, source: str) -> Reply:
        """Send and answer with the reply for ``send-mail``."""
        ...


class BadRequest(Exception):
    """A field is missing or of the wrong type."""


Handler = Callable[[dict[str, Any], str, str | None, DeliveryTerms], Reply]
"""A command's handler: ``(data, source, user, terms)`` -> its reply."""


def _field(data: dict[str, Any], name: str, *, required: bool = True, max_len: int = 2000) -> Any:
    value = data.get(name)
    if value is None:
        if required:
            raise BadRequest(f"data.{name} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadRequest(f"data.{name} must be a string")
    text = str(value)
    if len(text) > max_len:
        raise BadRequest(f"data.{name} is too long: {len(text)} characters, at most {max_len}")
    return text


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        raise BadRequest(f"data.{name} is required")
    if not isinstance(value, str):
        raise BadRequest(f"data.{name} must be a string")
    return value


OTP_DIGITS = (4, 10)


def _otp_code(data: dict[str, Any]) -> str:
    """``data.otp`` of send-sms: 4-10 digits, and no ``data.message`` beside it (not even null)."""
    if "message" in data:
        raise BadRequest("give data.message or data.otp, not both")
    code = data["otp"]
    low, high = OTP_DIGITS
    if not isinstance(code, str) or not code.isascii() or not code.isdigit():
        raise BadRequest(f"data.otp must be a string of {low}-{high} digits 0-9")
    if not low <= len(code) <= high:
        raise BadRequest(f"data.otp must have {low}-{high} digits, got {len(code)}")
    return code


class CommandProcessor:
    """Validates a command object and runs it through the services."""

    def __init__(
        self,
        sms: SmsService,
        otp: OtpService,
        blocklist: BlockList,
        settings: Settings,
        mailer: Mailer | None = None,
        wall_clock: Callable[[], float] = time.time,
        sealing: Sealing | None = None,
    ) -> None:
        """``wall_clock``: the time expiries are computed from (``time.time``);
        ``sealing``: opens ``data.sealed`` (without it a sealed message is not understood)."""
        self._sealing = sealing
        self._sms = sms
        self._wall_clock = wall_clock
        self._otp = otp
        self._blocklist = blocklist
        self._settings = settings
        self.mailer = mailer
        self._handlers: dict[str, Handler] = {
            "send-sms": self._send_sms,
            "send-mail": self._send_mail,
            "block-msisdn": self._block,
            "unblock-msisdn": self._unblock,
            "request-otp": self._request_otp,
            "verify-otp": self._verify_otp,
        }

    def handle(
        self,
        payload: object,
        *,
        source: str,
        user: str | None = None,
        terms: DeliveryTerms = NO_TERMS,
    ) -> Reply:
        """Run one command; every failure becomes a Reply with a precise text.

        ``terms``: what the transport says about the message beyond its JSON (a broker's
        expiry, the API user's or feeder's defaults)."""
        if not isinstance(payload, dict):
            return Reply("", Code.INVALID_REQUEST, "the body must be a JSON object")
        command = payload.get("command")
        if not isinstance(command, str) or not command:
            return Reply("", Code.INVALID_REQUEST, "the field 'command' is required")
        handler = self._handlers.get(command)
        if handler is None:
            return Reply(
                command[:64], Code.UNKNOWN_COMMAND,
                f"unknown command; known commands: {', '.join(COMMANDS)}",
            )  # fmt: skip
        data = payload.get("data")
        if not isinstance(data, dict):
            return Reply(command, Code.INVALID_REQUEST, "the field 'data' must be an object")
        try:
            if self._sealing is not None:  # opened here, in memory, for every transport
                data = self._sealing.clear_data(command, data, source)
            return handler(data, source, user, terms)
        except (BadRequest, FieldError, FieldClash) as exc:
            return Reply(command, Code.INVALID_REQUEST, str(exc))
        except SealedInvalid as exc:
            return Reply(command, Code.SEALED_INVALID, f"{exc}; nothing was sent")
        except SealedRequired as exc:
            return Reply(command, Code.SEALED_REQUIRED, f"{exc}; nothing was sent")
        except DomainError as exc:
            return domain_reply(command, exc)
        except Exception:
            log.exception("command %s from %s failed", command, source)
            return Reply(command, Code.INTERNAL, "internal error; see the device log")

    def order_key(self, payload: object) -> str | None:
        """The normalised number a command concerns, so a transport keeps the order of the
        commands on one number; None when it concerns none (or no valid one)."""
        if not isinstance(payload, dict) or payload.get("command") not in ON_A_NUMBER:
            return None
        data = payload.get("data")
        number = data.get("msisdn") if isinstance(data, dict) else None
        if isinstance(number, int) and not isinstance(number, bool):
            number = str(number)
        if not isinstance(number, str):
            return None
        try:
            return normalize_msisdn(number, self._country())
        except (InvalidNumberError, ValueError):
            return None

    def _request(
        self,
        data: dict[str, Any],
        source: str,
        user: str | None,
        terms: DeliveryTerms,
        lane: Lane | None = None,
    ) -> SmsRequest:
        """The send request of ``data``: its expiry (``effective_expiry``) and lane
        (``lane``, else the one it names, else the transport's default)."""
        now = self._wall_clock()
        own = own_expiry(data, now)
        named = named_lane(data)
        device_ttl = float(self._settings.get("sms.default_ttl_seconds"))
        return SmsRequest(
            msisdn=_field(data, "msisdn", max_len=64),
            text=_text(data, "message") if "message" in data else "",
            message_id=_field(data, "id", required=False, max_len=128),
            source=source,
            user=user,
            expires_at=effective_expiry(now, own, terms, device_ttl),
            lane=lane or lane_of(named, terms),
            ledger_key=terms.redelivery_key,
        )

    def _send_sms(
        self, data: dict[str, Any], source: str, user: str | None, terms: DeliveryTerms
    ) -> Reply:
        code = _otp_code(data) if "otp" in data else None
        request = self._request(data, source, user, terms)
        if code is not None:  # the device writes the text: otp.template and the autofill lines
            request = replace(request, text=self._otp.text_for(code))
        elif "message" not in data:  # a message that is there was checked by _request
            raise BadRequest("data.message is required (or data.otp: the device writes the text)")
        delivery = self._sms.submit(request)
        return delivery_reply("send-sms", delivery, {"id": request.message_id})

    def _send_mail(
        self, data: dict[str, Any], source: str, user: str | None, terms: DeliveryTerms
    ) -> Reply:
        recipient = _field(data, "recipient", max_len=254)
        subject = _field(data, "subject", required=False, max_len=200) or ""
        body = _text(data, "message")
        message_id = _field(data, "id", required=False, max_len=128)
        if self.mailer is None:
            return Reply("send-mail", Code.NOT_CONFIGURED, "e-mail sending is not configured")
        if message_id and not self._sms.claim_id("mail", message_id):
            text = f"message id {message_id!r} was already accepted within the window"
            return Reply("send-mail", Code.DUPLICATE, text, {"id": message_id})
        reply = self.mailer.send_mail(recipient, subject, body, source)
        if message_id and reply.code is not Code.OK:
            self._sms.release_id("mail", message_id)
        return reply

    def _country(self) -> str:
        return str(self._settings.get("device.country_code"))

    def _block(
        self, data: dict[str, Any], source: str, user: str | None, terms: DeliveryTerms
    ) -> Reply:
        msisdn = normalize_msisdn(_field(data, "msisdn", max_len=64), self._country())
        added = self._blocklist.block(msisdn, source)
        return Reply("block-msisdn", Code.OK, "blocked" if added else "already blocked",
                     {"msisdn": msisdn})  # fmt: skip

    def _unblock(
        self, data: dict[str, Any], source: str, user: str | None, terms: DeliveryTerms
    ) -> Reply:
        msisdn = normalize_msisdn(_field(data, "msisdn", max_len=64), self._country())
        removed = self._blocklist.unblock(msisdn)
        return Reply("unblock-msisdn", Code.OK, "unblocked" if removed else "was not blocked",
                     {"msisdn": msisdn})  # fmt: skip

    def _request_otp(
        self, data: dict[str, Any], source: str, user: str | None, terms: DeliveryTerms
    ) -> Reply:
        request = self._request(
            data, source, user, terms, Lane.OTP
        )  # an OTP always takes the OTP lane
        issued = self._otp.request(request)  # a bad number is refused before any OTP exists
        reply = delivery_reply("request-otp", issued.delivery, {"id": request.message_id})
        if issued.token is not None and reply.data is not None:
            reply.data.update(token=issued.token, expires_in=issued.expires_in)
        return reply

    def _verify_otp(
        self, data: dict[str, Any], source: str, user: str | None, terms: DeliveryTerms
    ) -> Reply:
        token = _field(data, "token", max_len=128)
        code = _field(data, "otp", max_len=16)
        result = self._otp.verify(token, code)
        code_for = {
            OtpResult.VALID: (Code.OK, "valid"),
            OtpResult.INVALID: (Code.OTP_INVALID, "the code is wrong"),
            OtpResult.EXPIRED: (Code.OTP_EXPIRED, "the code has expired"),
            OtpResult.TOO_MANY_ATTEMPTS: (Code.OTP_TOO_MANY_ATTEMPTS, "too many wrong codes"),
            OtpResult.UNKNOWN_TOKEN: (Code.OTP_UNKNOWN_TOKEN, "unknown or used token"),
        }
        reply_code, text = code_for[result]
        return Reply("verify-otp", reply_code, text, {"result": result.name.lower()})
