"""Faults a test can inject into an emulated modem, and their command-line spelling.

Two of them last until the modem restarts (``AT+CFUN=1,1``, a replug or a USB reset; a
port re-open does not cure them), as field reports describe:

- ``stuck``: the command interpreter answers (``AT``, identity, ``AT+CFUN``) but the SIM and
  SMS stack hangs: SIM commands answer ``+CME ERROR: 14`` (SIM busy), SMS commands
  ``+CMS ERROR: 314`` (SIM busy) or the code given (``500`` is reported too).
- ``hang``: nothing comes back at all, yet the modem still acts on what it reads, so a
  blind ``AT+CFUN=1,1`` restarts it (replies lost on the way out).

``wedge`` is the hopeless case: it swallows everything, the reset command included.

Two more last until cleared or until the modem restarts, and touch only ``AT+CPIN=<pin>``
(see ``pin_faults.py``): ``pin-no-answer`` (no answer at all; the SIM never sees the PIN) and
``pin-error`` (answered as with ``AT+CMEE=0``: a wrong PIN gets a plain ``ERROR``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields
from typing import Any

FAULT_KINDS = (
    "cms-error", "wedge", "unwedge", "stuck", "hang", "garbage", "slow-prompt", "no-result",
    "pin-no-answer", "pin-error",
)  # fmt: skip
STUCK_CODE = 314
"""``+CMS ERROR: 314`` (SIM busy, 3GPP TS 27.005 §3.2.5): what a stuck modem's SMS commands
answer unless the fault names another code."""
# The one parameter ``--fault KIND:PARAM`` sets, and its type.
_CLI_PARAM: dict[str, tuple[str, type]] = {
    "cms-error": ("code", int),
    "stuck": ("code", int),
    "garbage": ("count", int),
    "slow-prompt": ("seconds", float),
}


def garbage(rng: random.Random, count: int) -> bytes:
    """``count`` random bytes (NUL and 0x80-0xFF included, no CR/LF) framed by CR LF."""
    pool = [b for b in range(256) if b not in (0x0A, 0x0D)]
    junk = bytearray(rng.choice(pool) for _ in range(max(count, 0)))
    for index, value in ((0, 0x00), (1, 0xFF), (2, rng.randrange(0x80, 0xFF))):
        if index < len(junk):
            junk[rng.randrange(len(junk))] = value
    return b"\r\n" + bytes(junk) + b"\r\n"


@dataclass
class Faults:
    """The armed faults of one modem (one-shot or counted, except ``wedged``, ``stuck``,
    ``hung`` and the PIN faults, which last until cleared or until the modem restarts)."""

    wedged: bool = False
    stuck: bool = False
    stuck_code: int = STUCK_CODE
    """The ``+CMS ERROR`` of SMS commands while ``stuck``."""
    hung: bool = False
    cms_error_code: int = 500
    cms_error_count: int = 0
    cms_error_after: int = 0
    """Sends that still succeed before ``cms-error`` strikes (to fail a later part)."""
    garbage_in_reply: int = 0
    slow_prompt: float | None = None
    no_result: bool = False
    no_result_delivers: bool = True
    """With ``no-result`` the network did send it (the "unknown" outcome of a time-out)."""
    pin_no_answer: bool = False
    """``AT+CPIN=<pin>`` gets no answer, and the SIM never sees the PIN."""
    pin_plain_error: bool = False
    """``AT+CPIN=<pin>`` is answered as with ``AT+CMEE=0`` (a wrong PIN: plain ``ERROR``)."""

    def clear(self) -> None:
        """Disarm every fault."""
        for spec in fields(self):
            setattr(self, spec.name, spec.default)

    def arm(self, kind: str, rng: random.Random, **params: Any) -> bytes:
        """Arm fault ``kind``; returns bytes to write at once (``garbage``), else ``b""``.

        ``ValueError`` for an unknown kind or parameter.
        """
        now = b""
        if kind == "cms-error":
            self.cms_error_code = int(params.pop("code", 500))
            self.cms_error_count = int(params.pop("count", 1))
            self.cms_error_after = int(params.pop("after", 0))
        elif kind == "wedge":
            self.wedged = True
        elif kind == "unwedge":
            self.wedged = self.hung = False
        elif kind == "stuck":
            self.stuck, self.stuck_code = True, _sms_code(params.pop("code", STUCK_CODE))
        elif kind == "hang":
            self.hung = True
        elif kind == "garbage":
            count = int(params.pop("count", 64))
            self.garbage_in_reply = count
            now = garbage(rng, count)
        elif kind == "slow-prompt":
            self.slow_prompt = float(params.pop("seconds", 5.0))
        elif kind == "no-result":
            self.no_result = True
            self.no_result_delivers = bool(params.pop("deliver", True))
        elif kind == "pin-no-answer":
            self.pin_no_answer = True
        elif kind == "pin-error":
            self.pin_plain_error = True
        else:
            raise ValueError(f"unknown fault {kind!r} (known: {', '.join(FAULT_KINDS)})")
        if params:
            raise ValueError(f"unknown parameter(s) for {kind}: {', '.join(sorted(params))}")
        return now

    @property
    def silent(self) -> bool:
        """Nothing the modem writes reaches the port (``wedge``, ``hang``)."""
        return self.wedged or self.hung

    def active(self) -> list[str]:
        """Names of the armed faults, for status answers."""
        names = []
        if self.wedged:
            names.append("wedge")
        if self.stuck:
            names.append("stuck")
        if self.hung:
            names.append("hang")
        if self.cms_error_count:
            names.append("cms-error")
        if self.garbage_in_reply:
            names.append("garbage")
        if self.slow_prompt is not None:
            names.append("slow-prompt")
        if self.no_result:
            names.append("no-result")
        if self.pin_no_answer:
            names.append("pin-no-answer")
        if self.pin_plain_error:
            names.append("pin-error")
        return names


def _sms_code(value: object) -> int:
    """The ``+CMS ERROR`` code of a stuck modem: 1 to 511; ``ValueError`` otherwise."""
    try:
        code = int(str(value))
    except ValueError:
        msg = f"fault stuck:CODE wants a whole number from 1 to 511, not {value!r}"
        raise ValueError(msg) from None
    if not 1 <= code <= 511:
        raise ValueError(f"fault stuck:CODE wants 1 to 511, not {value!r}")
    return code


def parse_fault(spec: str) -> tuple[str, dict[str, Any]]:
    """``KIND[:PARAM]`` -> (kind, params): ``cms-error:500`` -> ("cms-error", {"code": 500})."""
    kind, _, value = spec.partition(":")
    kind = kind.strip()
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault {kind!r} (known: {', '.join(FAULT_KINDS)})")
    if not value:
        return kind, {}
    if kind not in _CLI_PARAM:
        raise ValueError(f"fault {kind} takes no parameter")
    name, kind_type = _CLI_PARAM[kind]
    if kind == "stuck":
        return kind, {name: _sms_code(value)}
    return kind, {name: kind_type(value)}
