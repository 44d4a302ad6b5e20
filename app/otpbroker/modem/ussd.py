"""USSD on one modem: ``AT+CUSD=1,"<code>",15`` and the ``+CUSD:`` reply it brings.

The reply comes as an unsolicited line, before or after the ``OK``, possibly spanning
lines (the channel joins them), and may be followed by a ``+CUSD: 2`` release. Its text is
decoded by its DCS *and* the modem's current ``AT+CSCS`` (``pdu.decode_ussd``). A menu that
waits for an answer (``+CUSD: 1``) is closed with ``AT+CUSD=2``. Some Huawei sticks want the
request itself packed as GSM 7-bit hex (``packed``).

Used only from the modem's owner thread, through ``GsmModem.ussd``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from otpbroker.modem import pdu
from otpbroker.modem.errors import ModemError

CODE = re.compile(r"[0-9*#+]{1,64}")
REPLY = re.compile(r'\+CUSD:\s*(\d+)\s*(?:,\s*"(.*)"\s*(?:,\s*(\d+))?)?', re.S)
ENDED = {2: "ended by the network", 4: "not supported", 5: "timed out"}

At = Callable[..., list[str]]
Ask = Callable[[str], list[str] | None]


class UssdError(ModemError):
    """The network or the modem refused a USSD request."""


class UssdRequest:
    """One USSD request in flight: collects the ``+CUSD:`` lines the channel hands over."""

    def __init__(self, code: str, *, packed: bool = False) -> None:
        """UssdError for a code other than digits, ``*``, ``#`` and ``+`` (never sent)."""
        if not CODE.fullmatch(code):
            raise UssdError(f"invalid USSD code {code!r}: only digits, * # and + are allowed")
        self.code = code
        self.command = f'AT+CUSD=1,"{pdu.encode_ussd_request_packed(code) if packed else code}",15'
        self.replies: list[str] = []

    def heard(self, line: str) -> None:
        """An unsolicited ``+CUSD:`` line arrived."""
        self.replies.append(line)

    def run(self, at: At, ask: Ask, poll: Callable[[float], object], charset: str,
            timeout: float) -> str:  # fmt: skip
        """Send the request and wait up to ``timeout`` seconds for its reply text."""
        at(self.command, timeout=10.0)
        deadline = time.monotonic() + timeout
        while True:
            reply = self._take(ask, charset)
            if reply is not None:
                return reply
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                ask("AT+CUSD=2")
                raise UssdError(f"no USSD reply to {self.code} within the time-out")
            poll(min(remaining, 0.05))

    def _take(self, ask: Ask, charset: str) -> str | None:
        """The decoded reply among the lines heard so far, None while there is none."""
        while self.replies:
            line = self.replies.pop(0)
            match = REPLY.match(line)
            if not match:
                continue
            status = int(match.group(1))
            if match.group(2) is None:
                if status == 2 and self.replies:
                    continue
                if status in ENDED:
                    raise UssdError(f"USSD request {ENDED[status]}")
                continue
            dcs = int(match.group(3)) if match.group(3) else 15
            if status == 1:
                ask("AT+CUSD=2")  # a menu waits for input: close it
            return pdu.decode_ussd(match.group(2), dcs, charset)
        return None


__all__ = ["UssdError", "UssdRequest"]
