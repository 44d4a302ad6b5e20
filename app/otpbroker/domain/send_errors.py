"""What a failed send means: the class of a modem or network error, and what it calls for.

The modem layer reports an error as a short stable code: ``CMS<n>`` for ``+CMS ERROR: <n>``,
``CME<n>`` for ``+CME ERROR: <n>``, or one of the driver's own codes (``NO_PROMPT``,
``TIMEOUT``, ``PORT_GONE``...). The values of ``+CMS ERROR`` follow 3GPP TS 27.005 §3.2.5:
0-127 are the RP-cause values of TS 24.011 (§8.2.5.4, annex E.2, as the network reports a
mobile-originated SMS), 128-255 the TP-FCS values of TS 23.040 §9.2.3.22 (from the SMS
centre), 300-340 the modem's own, 500 "unknown", 512 and up the manufacturer's. The values
of ``+CME ERROR`` follow TS 27.007 §9.2.

Five classes decide what the device does (``policy``):

- ``number``: the recipient number, or this very message, is the problem. Another modem
  would get the same answer, so the message is not tried elsewhere.
- ``sim``: the SIM or its account (barred, no credit, service not subscribed, SIM failure).
  That modem leaves routing until the administrator puts it back or its SIM changes; the
  message is tried on another modem and an alert is raised.
- ``transient``: the network or the modem is in trouble right now; another modem, or later.
- ``configuration``: this modem's settings (the SMS centre address most often). It leaves
  routing, an alert says what to set, and the message is tried on another modem.
- ``unknown``: unclassified (``+CMS ERROR: 500`` above all). The modem's SMS path is
  diagnosed first; a modem found without one leaves routing (``no_sms_path``), otherwise the
  error counts as transient.

Whatever the code, a send whose outcome is *unknown* (the PDU went out, no result came; a
later part of a multipart message failed) is reported with the class ``unknown``
(``reported``): the SMS may have arrived, so nobody may resend it.

Texts here never contain a number or a message text: they describe the code only. They are
English messages marked for the catalogues: replies and logs keep them English, the admin
(an alert about a held modem) shows them in the reader's language.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from otpbroker.domain.message import PathCheck, SendOutcome
from otpbroker.i18n.translate import N_


class ErrorClass(enum.Enum):
    """The class of a send error (see the module docstring)."""

    NUMBER = "number"
    SIM = "sim"
    TRANSIENT = "transient"
    CONFIGURATION = "configuration"
    UNKNOWN = "unknown"
    NO_SMS_PATH = "no_sms_path"


N, S, T, C, U = (
    ErrorClass.NUMBER,
    ErrorClass.SIM,
    ErrorClass.TRANSIENT,
    ErrorClass.CONFIGURATION,
    ErrorClass.UNKNOWN,
)

#: ``+CMS ERROR`` values: (class, what it means). Unlisted values are ``unknown``.
CMS_ERRORS: dict[int, tuple[ErrorClass, str]] = {
    # TS 24.011 RP-cause values, as the network answers a mobile-originated SMS
    1: (N, N_("the recipient number is not assigned")),
    8: (S, N_("the operator has barred this SIM from sending")),
    10: (S, N_("sending is barred for this SIM (call barring)")),
    21: (N, N_("the network rejected the message for this recipient")),
    27: (T, N_("the destination is out of order")),
    28: (N, N_("the recipient is unidentified")),
    29: (S, N_("the network refused the facility for this SIM")),
    30: (S, N_("the network does not know this SIM's subscriber")),
    38: (T, N_("the network is out of order")),
    41: (T, N_("temporary network failure")),
    42: (T, N_("network congestion")),
    47: (T, N_("network resources unavailable")),
    50: (S, N_("SMS is not subscribed for this SIM (or no credit)")),
    69: (U, N_("the network does not implement the requested facility")),
    81: (T, N_("invalid transfer reference (protocol)")),
    95: (N, N_("the network found the message semantically incorrect")),
    96: (N, N_("the message lacks mandatory information (e.g. a malformed number)")),
    97: (U, N_("message type not implemented by the network")),
    98: (T, N_("message not compatible with the protocol state")),
    99: (U, N_("information element not implemented by the network")),
    111: (U, N_("protocol error")),
    127: (U, N_("interworking error")),
    # TS 23.040 TP-FCS values, from the SMS centre
    192: (T, N_("the SMS centre is busy")),
    193: (S, N_("this SIM has no subscription with the SMS centre")),
    194: (T, N_("SMS centre system failure")),
    195: (N, N_("the SMS centre rejected the recipient address")),
    196: (N, N_("the recipient is barred at the SMS centre")),
    197: (N, N_("the SMS centre already has this message (rejected as a duplicate)")),
    198: (C, N_("the SMS centre does not accept a validity period format")),
    199: (C, N_("the SMS centre does not accept the validity period")),
    212: (T, N_("the SIM toolkit is busy")),
    # TS 27.005 §3.2.5, the modem's own
    300: (U, N_("modem failure")),
    301: (T, N_("the modem's SMS service is busy")),
    302: (U, N_("the modem does not allow sending now")),
    303: (U, N_("the modem does not support sending now")),
    304: (C, N_("the modem refused a PDU parameter")),
    305: (C, N_("the modem refused a text mode parameter")),
    310: (S, N_("no SIM card inserted")),
    311: (S, N_("the SIM needs its PIN")),
    312: (S, N_("the SIM needs a PH-SIM PIN")),
    313: (S, N_("SIM failure")),
    314: (T, N_("the SIM is busy")),
    315: (S, N_("wrong SIM")),
    316: (S, N_("the SIM needs its PUK")),
    317: (S, N_("the SIM needs its PIN2")),
    318: (S, N_("the SIM needs its PUK2")),
    330: (C, N_("the SMS centre address is unknown")),
    331: (T, N_("no network service")),
    332: (T, N_("network time-out")),
    500: (U, N_("unknown error")),
}

#: ``+CME ERROR`` values (TS 27.007 §9.2) seen in answer to a send.
CME_ERRORS: dict[int, tuple[ErrorClass, str]] = {
    10: (S, N_("no SIM card inserted")),
    11: (S, N_("the SIM needs its PIN")),
    12: (S, N_("the SIM needs its PUK")),
    13: (S, N_("SIM failure")),
    14: (T, N_("the SIM is busy")),
    15: (S, N_("wrong SIM")),
    30: (T, N_("no network service")),
    31: (T, N_("network time-out")),
    32: (S, N_("the network allows emergency calls only (SIM not admitted)")),
    515: (T, N_("the modem is busy")),
}

#: The driver's own codes (``modem/gsm.py``, ``modem/pool.py``).
DRIVER_ERRORS: dict[str, tuple[ErrorClass, str]] = {
    "NO_PROMPT": (T, N_("the modem did not ask for the message (no '>' prompt)")),
    "NO_ANSWER": (T, N_("the modem stopped answering")),
    "PORT_GONE": (T, N_("the modem's port disappeared")),
    "MODEM_UNAVAILABLE": (T, N_("the modem was not available")),
    "MODEM_STOPPED": (T, N_("the modem was stopped")),
    "QUEUE_TIMEOUT": (T, N_("the modem was busy for too long")),
    "TIMEOUT": (U, N_("the modem did not confirm the send in time")),
    "ERROR": (U, N_("the modem answered ERROR without a code")),
}

#: What the administrator should do about a ``configuration`` or ``sim`` code.
ADVICE: dict[str, str] = {
    "CMS330": N_(
        "Set the SMS centre number (SMS center field of the modem form); the operator publishes it."
    ),
    "CMS304": N_(
        "Check the modem's SMS settings (SMS center, validity period); "
        "some firmware refuses a parameter the device sends."
    ),
    "CMS305": N_("Check the modem's SMS settings."),
    "CMS198": N_("Set the SMS validity period to 0 (SMS settings): this SMS centre refuses it."),
    "CMS199": N_("Set the SMS validity period to 0 (SMS settings): this SMS centre refuses it."),
    "CMS8": N_(
        "Ask the operator why the SIM is barred (sending too fast or to too many "
        "numbers is a common reason), or put in another SIM."
    ),
    "CMS10": N_("Ask the operator to lift the barring, or put in another SIM."),
    "CMS50": N_(
        "Check the SIM's credit and SMS plan (top up or subscribe), then put the "
        "modem back into routing."
    ),
    "CMS193": N_("Check the SIM's credit and SMS plan with the operator."),
}
SIM_ADVICE = N_(
    "Check the SIM's credit, plan and barring with the operator, then put the modem "
    "back into routing (or put in another SIM: a new SIM is picked up by itself)."
)
CONFIG_ADVICE = N_("Check the modem's settings (SMS center), then put it back into routing.")


@dataclass(frozen=True)
class ErrorInfo:
    """A classified error: its code, class, meaning, and advice for the administrator."""

    code: str
    error_class: ErrorClass
    text: str
    advice: str = ""


def _lookup(code: str) -> tuple[ErrorClass, str] | None:
    if code in DRIVER_ERRORS:
        return DRIVER_ERRORS[code]
    for prefix, table in (("CMS", CMS_ERRORS), ("CME", CME_ERRORS)):
        number = code[len(prefix) :]
        if code.startswith(prefix) and number.isdigit():
            value = int(number)
            if value in table:
                return table[value]
            if prefix == "CMS" and value >= 512:
                return U, N_("manufacturer-specific error")
            return U, N_("unclassified error")
    return None


def classify(code: str | None) -> ErrorInfo | None:
    """The class and meaning of an error code; None for no code (nothing failed)."""
    if not code:
        return None
    found = _lookup(code.upper())
    error_class, text = found if found is not None else (U, N_("unclassified error"))
    advice = ADVICE.get(code.upper(), "")
    if not advice and error_class is S:
        advice = SIM_ADVICE
    elif not advice and error_class is C:
        advice = CONFIG_ADVICE
    return ErrorInfo(code.upper(), error_class, text, advice)


def after_diagnosis(info: ErrorInfo, check: PathCheck) -> ErrorInfo:
    """Resolve an ``unknown`` error by what the modem's SMS-path check found.

    No SMS path makes it ``no_sms_path``; a path, or no check, ``transient``. Errors of any
    other class are returned unchanged.
    """
    if info.error_class is not U:
        return info
    if check is PathCheck.NO_PATH:
        return ErrorInfo(info.code, ErrorClass.NO_SMS_PATH, info.text + "; the modem has no "
                         "SMS path", "See the modem's SMS path on the modems page.")  # fmt: skip
    return ErrorInfo(info.code, T, info.text, info.advice)


def reported(info: ErrorInfo, outcome: SendOutcome) -> ErrorInfo:
    """The class a reply names for an attempt: ``unknown`` whenever the outcome is unknown
    (the SMS may have arrived: never resend), else the error's own class."""
    if outcome is SendOutcome.UNKNOWN and info.error_class is not U:
        return ErrorInfo(info.code, U, info.text, info.advice)
    return info


@dataclass(frozen=True)
class FailurePolicy:
    """What a failure of one class does.

    ``fail_over``: try the message on another modem (only ever for a definite failure);
    ``hold``: the routing reason the modem leaves routing with, with an alert for the
    administrator (None: it stays); ``diagnose``: check the SMS path first.
    """

    fail_over: bool
    hold: str | None = None
    diagnose: bool = False


POLICIES: dict[ErrorClass, FailurePolicy] = {
    ErrorClass.NUMBER: FailurePolicy(fail_over=False),
    ErrorClass.SIM: FailurePolicy(fail_over=True, hold="sim_account"),
    ErrorClass.TRANSIENT: FailurePolicy(fail_over=True),
    ErrorClass.CONFIGURATION: FailurePolicy(fail_over=True, hold="configuration"),
    ErrorClass.UNKNOWN: FailurePolicy(fail_over=True, diagnose=True),
    ErrorClass.NO_SMS_PATH: FailurePolicy(fail_over=True),
}


def policy(error_class: ErrorClass) -> FailurePolicy:
    """What the device does after a failure of ``error_class``."""
    return POLICIES[error_class]


def needs_diagnosis(code: str | None) -> bool:
    """True when an error with this code calls for an SMS-path diagnosis of its modem."""
    info = classify(code)
    return info is not None and policy(info.error_class).diagnose


__all__ = [
    "CME_ERRORS",
    "CMS_ERRORS",
    "DRIVER_ERRORS",
    "ErrorClass",
    "ErrorInfo",
    "FailurePolicy",
    "after_diagnosis",
    "classify",
    "needs_diagnosis",
    "policy",
    "reported",
]
