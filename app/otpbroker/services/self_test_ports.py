"""How a self-test sends and whom it sends to: through ``SmsService`` on one modem, to the
modem's own number (its record's MSISDN, else the SIM's ``AT+CNUM`` entry)."""

from __future__ import annotations

from typing import Any, Protocol

from otpbroker.domain.delivery import Lane
from otpbroker.domain.message import Delivery, SendOutcome
from otpbroker.services.sms import SmsRequest


class Sender(Protocol):
    """What the modem checks send through (``SmsService``)."""

    def submit(self, request: SmsRequest) -> Delivery:
        """Send one SMS; raise a DomainError for anything rejected before sending."""
        ...


class ModemStatuses(Protocol):
    """The running modems' status snapshots (``ModemPool``)."""

    def statuses(self) -> list[Any]:
        """One ``ModemStatus`` per running modem."""
        ...


class ModemList(Protocol):
    """The modem records (``ConfigStore``)."""

    def list(self, name: str) -> list[dict[str, Any]]:
        """All records of a collection."""
        ...


class SelfTestNotSent(RuntimeError):
    """The self-test SMS was accepted but not sent (its outcome says why)."""


class SendOnModem:
    """``send(modem_id, number, text)`` for ``SelfTests``: one SMS on that modem, in the
    BULK lane, as a manual send; raises when it did not go out."""

    def __init__(self, sms: Sender) -> None:
        """Send through ``sms``."""
        self._sms = sms

    def __call__(self, modem_id: str, number: str, text: str) -> None:
        """Send ``text`` to ``number`` on ``modem_id``; SelfTestNotSent unless sent."""
        request = SmsRequest(number, text, source="self-test", manual=True,
                             modem_id=modem_id, lane=Lane.BULK)  # fmt: skip
        delivery = self._sms.submit(request)
        if delivery.outcome is not SendOutcome.SENT:
            raise SelfTestNotSent(f"{delivery.outcome.value} ({delivery.error_code or '-'})")


class OwnNumbers:
    """``own_number(modem_id)`` for ``SelfTests``: the record's MSISDN, else the SIM's."""

    def __init__(self, records: ModemList, modems: ModemStatuses) -> None:
        """Look in ``records`` first, then in the running modems' identities."""
        self._records, self._modems = records, modems

    def __call__(self, modem_id: str) -> str | None:
        """The modem's own number, or None when neither knows it."""
        for record in self._records.list("modems"):
            if record.get("id") == modem_id and record.get("msisdn"):
                return str(record["msisdn"])
        for status in self._modems.statuses():  # the SIM's own entry (AT+CNUM)
            if status.modem_id == modem_id and status.identity.msisdn:
                return str(status.identity.msisdn)
        return None


__all__ = ["ModemList", "ModemStatuses", "OwnNumbers", "SelfTestNotSent", "SendOnModem", "Sender"]
